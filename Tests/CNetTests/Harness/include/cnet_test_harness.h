/*
 * C-level tests of the CNet transport, run by the Swift XCTest target CNetTests. Each returns 0 on
 * success, or -1 with a message in err (err_len bytes, NUL-terminated).
 *
 * Session tests (session_tests.c) drive a server connection's nghttp2 session with bytes alone: an
 * in-memory nghttp2 client plays the (often hostile) peer, no socket and no loop thread are
 * involved. Loop tests (loop_tests.c) run loop.c by itself with a pipe and posted items.
 */
#ifndef CNET_TEST_HARNESS_H
#define CNET_TEST_HARNESS_H

#include <stddef.h>

int cnet_test_session_valid_request(char *err, size_t err_len);
int cnet_test_session_bad_preface(char *err, size_t err_len);
int cnet_test_session_owner_refusal(char *err, size_t err_len);
int cnet_test_session_header_list_limit(char *err, size_t err_len);
int cnet_test_session_concurrent_stream_limit(char *err, size_t err_len);
int cnet_test_session_per_address_stream_limit(char *err, size_t err_len);
int cnet_test_session_ping_flood(char *err, size_t err_len);
int cnet_test_session_settings_flood(char *err, size_t err_len);
int cnet_test_session_rst_flood(char *err, size_t err_len);
int cnet_test_session_stream_budget(char *err, size_t err_len);
int cnet_test_session_connection_budget(char *err, size_t err_len);
int cnet_test_session_stream_idle_deadline(char *err, size_t err_len);
int cnet_test_session_write_stall_deadline(char *err, size_t err_len);
int cnet_test_session_first_request_deadline(char *err, size_t err_len);
int cnet_test_session_preface_deadline(char *err, size_t err_len);

int cnet_test_loop_io_handler(char *err, size_t err_len);
int cnet_test_loop_post_and_dirty(char *err, size_t err_len);
int cnet_test_loop_tick_hook(char *err, size_t err_len);
int cnet_test_loop_shutdown(char *err, size_t err_len);

#endif
