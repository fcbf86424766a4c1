/* shortcode.h — short random codes a person can read out on the phone or type from
 * paper: booking references (RB-7K3Q9F) and ticket codes (7K3Q-9F2M-XW4T). Symbols come
 * from an alphabet without look-alikes (no 0/O, 1/I/L) and from the kernel's CSPRNG,
 * never from a counter: neither kind says how many others exist or which comes next. */
#ifndef RB_SHORTCODE_H
#define RB_SHORTCODE_H
#include <stddef.h>

/* 31 symbols: 2-9 and A-Z without I, L, O (0 and 1 are left out with them). */
#define SHORTCODE_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* "RB-" and 6 symbols (31^6 ≈ 8.9e8 references; unique by the database's index, a
 * collision is retried by the caller). */
#define REFERENCE_SYMBOLS 6
#define REFERENCE_SIZE (3 + REFERENCE_SYMBOLS + 1)

/* 12 symbols in three groups of four (31^12 ≈ 2^59: not guessable; unique by index). */
#define TICKET_CODE_SYMBOLS 12
#define TICKET_CODE_SIZE (TICKET_CODE_SYMBOLS + 2 + 1)

/* Writes n random symbols of the alphabet and a NUL to out (n + 1 bytes), uniformly
 * (rejection sampling, no modulo bias). Returns 0, or -1 when the kernel gave no
 * randomness (then out is ""). */
int shortcode_random(char *out, size_t n);

/* A new booking reference, "RB-7K3Q9F". Returns 0 or -1 (no randomness). */
int reference_new(char out[REFERENCE_SIZE]);

/* What a person typed as a reference, in canonical form: case, spaces and dashes do not
 * matter and the "RB" may be left out ("rb 7k3q9f", "7K3Q9F" -> "RB-7K3Q9F"); an "RB"
 * followed by a dash or a space is always the prefix ("RB-7K3Q" is too short, not
 * RB-RB7K3Q). Returns 0, or -1 when it cannot be a reference (then out is ""). */
int reference_parse(const char *in, char out[REFERENCE_SIZE]);

/* A new ticket code, "7K3Q-9F2M-XW4T". Returns 0 or -1 (no randomness). */
int ticket_code_new(char out[TICKET_CODE_SIZE]);
#endif
