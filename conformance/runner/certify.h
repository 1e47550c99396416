/* rehome-conform certify and verify-bundle (certify.c): the certification run of
 * docs/conformance.md section 6 into a bundle directory, and the bundle check. Owned by the
 * runner; main.c dispatches to these. */
#ifndef RC_CERTIFY_H
#define RC_CERTIFY_H

/* argv[1] is "certify". The exit status (as a normal run; 2 when the bundle cannot be made). */
int rc_certify_main(int argc, char **argv);
/* argv[0] is "verify-bundle". 0 complete and matching, 1 not, 2 bad usage. */
int rc_verify_bundle_main(int argc, char **argv);

#endif
