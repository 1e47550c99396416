/* rc_pp: the producer-driver protocol (docs/producer-driver.md), version rehome-producer/1:
 * JSON lines between the suite and a driver program. Pure functions, no I/O; the pipes and
 * the reader thread are in producer.c.
 *
 * Ownership: every cJSON and string returned is the caller's (cJSON_Delete / free). */
#ifndef RC_PP_H
#define RC_PP_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define RC_PP_VERSION "rehome-producer/1"

/* Turns a control API request the suite means as a producer's (signed with key/secret at
 * time now, the body well-formed JSON of the request's shape, every string valid UTF-8
 * without U+0000) into a driver operation without "id": start, append, end, state or replay.
 * 1 translated (*op set), 0 not a producer operation: a request probing the HTTP surface
 * itself (unsigned, badly signed, a malformed body), which must go to the control API. */
int rc_pp_translate(const char *app_id, const char *key, const char *secret, long now,
                    const char *method, const char *path_and_query, const char *body,
                    size_t body_len, cJSON **op);

/* One request line (with '\n') for op with "id": id added. Heap, NULL on allocation failure. */
char *rc_pp_request_line(long long id, const cJSON *op);

typedef struct rc_pp_answer {
    long long id;
    int status;  /* HTTP-like status of the operation (201, 200, 404, 409, ...) */
    char *body;  /* the answer's body as JSON text ("" when absent); heap */
    char *error; /* the driver's own "error" (it could not perform the request); heap */
} rc_pp_answer;

/* Parses one answer line. 0 ok (status and body, or error, set), -1 not an answer at all
 * (not a JSON object, no integer id: the driver is broken), -2 an answer to id whose shape is
 * wrong (no integer status 100..599 and no error string). err names the problem. */
int rc_pp_parse_answer(const char *line, rc_pp_answer *a, char *err, size_t errlen);
void rc_pp_answer_free(rc_pp_answer *a);

/* Checks the body of the hello answer ({"protocol": RC_PP_VERSION, ...}). 0, or -1 with err. */
int rc_pp_check_hello(const char *body, char *err, size_t errlen);

#endif
