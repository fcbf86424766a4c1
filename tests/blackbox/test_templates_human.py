"""Every template shows dates, times, money, statuses and counts through the shared
modifiers of cgi-bin/lib/view.cc (x-date, x-datetime, x-money, x-total, x-price, x-words, x-plural), never
as the API's raw values: a page must not read "2026-12-01T09:58:13.690Z", "12050",
"payment_declined" or "(1 nights)". Values inside a tag (attributes such as
data-date="{{DATE}}" or value="{{FORM_CHECK_IN}}") are for machines and forms, and are
not checked. No stack needed."""
import glob
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = sorted(glob.glob(os.path.join(HERE, "..", "..", "templates", "*.tpl")))
VARIABLE = re.compile(r"\{\{([A-Z0-9_]+)(:[^}]*)?\}\}")
# name pattern -> the modifiers that may show it
RULES = [
    (re.compile(r"(^|_)(AT|SINCE)$"), ("x-date", "x-datetime")),
    (re.compile(r"(^|_)(CHECK_IN|CHECK_OUT|DATE|FROM|TO)$"), ("x-date",)),
    (re.compile(r"(^|_)(AMOUNT|PRICE|TOTAL|REFUND)$"), ("x-money", "x-total", "x-amount", "x-price")),
    (re.compile(r"(^|_)(STATUS|REASON|KIND)$"), ("x-words",)),
    (re.compile(r"(^|_)(NIGHTS|GUESTS)$"), ("x-plural",)),
]


def inside_tag(text, pos):
    return text.rfind("<", 0, pos) > text.rfind(">", 0, pos)


def findings(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = []
    for m in VARIABLE.finditer(text):
        name, modifiers = m.group(1), (m.group(2) or "")
        if inside_tag(text, m.start()) or name.startswith("ERR_"):  # attributes; error sentences
            continue
        for pattern, allowed in RULES:
            if pattern.search(name) and not any(":" + a in modifiers for a in allowed):
                line = text.count("\n", 0, m.start()) + 1
                found.append("%s:%d: {{%s%s}} needs %s" % (os.path.basename(path), line, name, modifiers,
                                                          " or ".join(allowed)))
    for m in re.finditer(r"x-money\}\}\s*\{\{CURRENCY", text):  # x-money already says the currency
        found.append("%s:%d: {{...:x-money}} {{CURRENCY}} shows the currency twice" % (
            os.path.basename(path), text.count("\n", 0, m.start()) + 1))
    for m in re.finditer(r"\w\(s\)", text):
        found.append("%s:%d: \"(s)\": use x-plural" % (os.path.basename(path), text.count("\n", 0, m.start()) + 1))
    return found


def test_templates_exist():
    assert len(TEMPLATES) > 10, TEMPLATES


def test_every_template_shows_values_in_human_form():
    found = [f for path in TEMPLATES for f in findings(path)]
    assert not found, "raw values on pages:\n  " + "\n  ".join(found)


def test_the_check_catches_raw_values(tmp=os.path.join(HERE, "..", "out", "template-check")):
    os.makedirs(tmp, exist_ok=True)
    bad = os.path.join(tmp, "bad.tpl")
    with open(bad, "w", encoding="utf-8") as f:
        f.write('<p data-date="{{DATE}}">{{CHECK_IN}} {{CREATED_AT}} {{AMOUNT:x-money}} {{CURRENCY}} '
                '{{REASON}} {{GUESTS}} guest(s) <input value="{{FORM_PRICE}}"> {{PRICE:x-amount}}</p>')
    got = findings(bad)
    assert len(got) == 6, got
    for what in ("{{CHECK_IN}}", "{{CREATED_AT}}", "shows the currency twice", "{{REASON}}", "{{GUESTS}}", "(s)"):
        assert any(what in g for g in got), (what, got)


def test_every_required_field_is_marked_so_on_its_label():
    """A field the server refuses empty says so before it is sent: its input carries
    `required` and its label the red star (class="required"), and a starred label is a
    required field's. Checked on every template (the sign-up form once had no star)."""
    field = re.compile(r"<(input|select|textarea)\b([^>]*)>")
    wrong = []
    for path in TEMPLATES:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        starred = set(re.findall(r'<label for="([^"]+)" class="required">', text))
        for m in field.finditer(text):
            attrs = re.sub(r"\{\{#.*?\{\{/[A-Z_]+\}\}", "", m.group(2))  # sections: aria-invalid and such
            ident = re.search(r'\bid="([^"]+)"', attrs)
            if 'type="hidden"' in attrs or not ident:
                continue
            required = re.search(r"\srequired\b", attrs) is not None
            if 'type="radio"' in attrs:  # a choice: its own group's legend carries the star
                group = text[text.rfind("<fieldset", 0, m.start()):text.find("</fieldset>", m.end())]
                if required and (not group.startswith("<fieldset") or '<legend class="required">' not in group):
                    wrong.append("%s: #%s is a required choice without a starred legend"
                                 % (os.path.basename(path), ident.group(1)))
                continue
            if required != (ident.group(1) in starred):
                wrong.append("%s: #%s required=%s starred=%s" % (os.path.basename(path), ident.group(1), required,
                                                                ident.group(1) in starred))
    assert not wrong, wrong
