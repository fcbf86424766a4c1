// tests/browser/reporter.mjs — a node:test reporter for tests/run.py: one JSON object
// per line for each finished test (pass/fail, nesting, name, file, duration, error) and
// for what test files print, so run.py can report every browser test as its own test.
function describe(error) {
  if (!error) return '';
  const e = error.cause && error.failureType === 'testCodeFailure' ? error.cause : error.cause || error;
  return String((e && (e.stack || e.message)) || e);
}

export default async function* reporter(source) {
  for await (const ev of source) {
    const d = ev.data || {};
    if (ev.type === 'test:pass' || ev.type === 'test:fail') {
      yield JSON.stringify({
        event: ev.type === 'test:pass' ? 'pass' : 'fail',
        skip: Boolean(d.skip || d.todo),
        name: d.name,
        nesting: d.nesting,
        file: d.file || null,
        ms: d.details ? d.details.duration_ms : 0,
        error: ev.type === 'test:fail' ? describe(d.details && d.details.error) : '',
      }) + '\n';
    } else if (ev.type === 'test:stdout' || ev.type === 'test:stderr') {
      yield JSON.stringify({ event: 'output', file: d.file || null, text: d.message }) + '\n';
    }
  }
}
