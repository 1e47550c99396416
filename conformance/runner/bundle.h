/* The certification bundle (rehome-conform certify / verify-bundle): the case-set hash, file
 * hashes, the SVG badge and the bundle check.
 *
 * The case-set hash is SHA-256 over the cases of a profile sorted by id, each as its id,
 * level name and requirement sentence, every field followed by one NUL byte: two reports
 * with the same hash were judged by the same requirements, whatever the suite's file layout.
 *
 * Owned by the runner. Functions returning char * return heap strings the caller frees. */
#ifndef RC_BUNDLE_H
#define RC_BUNDLE_H

#include <stddef.h>

#include "runner.h"

/* The files of a bundle, in the order certify writes them (manifest.json last). */
extern const char *const rc_bundle_files[];

/* SHA-256 (lowercase hex) of the cases given, as described above. 0, or -1 (OpenSSL). */
int rc_caseset_hash_of(const rc_case *const *cases, size_t n, char out[65]);
/* The same over this suite's cases of profile ("pusher", "stream", "all"); *ncases gets their
 * number. 0, or -1. */
int rc_caseset_hash(const char *profile, char out[65], size_t *ncases);
/* SHA-256 of a file's bytes. 0, or -1 when it cannot be read. */
int rc_file_sha256(const char *path, char out[65]);
/* A shields-style SVG badge: "rehome-conform VERSION PROFILE | N pass, N fail, ...", green
 * when only PASS (and UNSUPPORTED), amber with NON-STRICT, red with FAIL or ERROR. Heap. */
char *rc_badge_svg(const char *profile, const size_t counts[RC__VERDICTS], const char *version);
/* The verdict counts of a report.json's "summary". 0, or -1 when it has none. */
int rc_report_summary(const char *path, size_t counts[RC__VERDICTS]);
/* Checks the bundle in dir: every file present, each file's hash as the manifest records,
 * the manifest made by this suite version and its case-set hash equal to this suite's.
 * 0 when it all holds; -1 with the first problem in err. */
int rc_bundle_verify(const char *dir, char *err, size_t errlen);

#endif
