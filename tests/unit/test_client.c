/* test_client.c — what services read from each other: SHA-256 against FIPS 180-4's
 * vectors, the HTTP/1.1 answer parser (length, chunked, until-close, broken answers),
 * and URLs. The calls themselves run against the real gateway in the black-box tests. */
#include <string.h>

#include "client.h"
#include "digest.h"
#include "unit.h"

static void sha256_matches_the_standards_vectors(void)
{
	char hex[SHA256_HEX];
	sha256_hex("abc", 3, hex);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
	sha256_hex("", 0, hex);
	CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: two blocks */
	sha256_hex(two, strlen(two), hex);
	CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
	struct sha256 c; /* a million 'a', fed in uneven pieces */
	char a[1001];
	memset(a, 'a', sizeof a);
	sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		sha256_update(&c, a, i % 2 ? 999 : 1001);
	sha256_final_hex(&c, hex);
	CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

static int parse(const char *s, int eof, struct client_response *r) { return client_response_parse(s, strlen(s), eof, r); }

static void answers_with_a_length_end_there(void)
{
	struct client_response r;
	const char *a = "HTTP/1.1 201 Created\r\ncontent-length: 7\r\n\r\n{\"a\":1}HTTP/1.1";
	CHECK(parse(a, 0, &r) == 1 && r.status == 201 && r.keep_alive && !r.chunked);
	CHECK(r.body_len == 7 && strncmp(a + r.body_at, "{\"a\":1}", 7) == 0 && r.complete == strlen(a) - 8);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\"", 0, &r) == 0); /* more to come */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\"", 1, &r) == -1); /* cut short */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}", 0, &r) == 1 &&
	      !r.keep_alive);
}

static void chunked_answers_are_read_to_their_last_chunk(void)
{
	struct client_response r;
	const char *a = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\na;ext\r\n:123456789\r\n1\r\n}\r\n0\r\n\r\n";
	CHECK(parse(a, 0, &r) == 1 && r.chunked && r.body_len == 15 && r.complete == strlen(a));
	char partial[128];
	snprintf(partial, sizeof partial, "%.*s", (int)strlen(a) - 5, a);
	CHECK(parse(partial, 0, &r) == 0 && parse(partial, 1, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 0, &r) == -1); /* no CRLF after */
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, &r) == -1);
}

static void other_answers_end_with_the_connection(void)
{
	struct client_response r;
	CHECK(parse("HTTP/1.0 503 Service Unavailable\r\n\r\n{}", 0, &r) == 0);
	CHECK(parse("HTTP/1.0 503 Service Unavailable\r\n\r\n{}", 1, &r) == 1 && r.status == 503 && !r.keep_alive &&
	      r.body_len == 2);
	CHECK(parse("HTTP/1.1 204 No Content\r\n\r\n", 0, &r) == 1 && r.body_len == 0 && r.keep_alive);
	CHECK(parse("HTTP/2 200\r\n\r\n", 1, &r) == -1);
	CHECK(parse("HTTP/1.1 2x0 OK\r\n\r\n", 1, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 1, &r) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 1, &r) == -1);
	CHECK(parse("garbage", 0, &r) == 0 && parse("garbage", 1, &r) == -1);
}

static void urls_are_split_into_host_port_and_path(void)
{
	char host[128], port[8];
	const char *path;
	CHECK(client_url_split("http://127.0.0.1:8089/internal/holds", host, sizeof host, port, sizeof port, &path) == 0);
	CHECK(strcmp(host, "127.0.0.1") == 0 && strcmp(port, "8089") == 0 && strcmp(path, "/internal/holds") == 0);
	CHECK(client_url_split("http://rooms/x", host, sizeof host, port, sizeof port, &path) == 0 && strcmp(port, "80") == 0);
	CHECK(client_url_split("https://rooms/x", host, sizeof host, port, sizeof port, &path) == -1);
	CHECK(client_url_split("http://:80/x", host, sizeof host, port, sizeof port, &path) == -1);
	CHECK(client_url_split("http://h:8a/x", host, sizeof host, port, sizeof port, &path) == -1);
	CHECK(client_url_split("http://h:123456789/x", host, sizeof host, port, sizeof port, &path) == -1);
}

int main(void)
{
	RUN(sha256_matches_the_standards_vectors);
	RUN(answers_with_a_length_end_there);
	RUN(chunked_answers_are_read_to_their_last_chunk);
	RUN(other_answers_end_with_the_connection);
	RUN(urls_are_split_into_host_port_and_path);
	UNIT_END();
}
