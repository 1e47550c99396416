/* rc_smoke: `rehome-conform smoke`, the operators' end-to-end check of a live deployment
 * (ReHome v1's `stream:smoke`): one stream on a real thread and run, watched through the
 * real authorizer with a member's bearer token. Uses conformance/client; owns nothing
 * beyond one run (every connection is closed before it returns). */
#ifndef RC_SMOKE_H
#define RC_SMOKE_H

/* argv[0] is "smoke". Prints progress and a verdict on stdout; returns the exit code:
 * 0 every check passed, 1 a check failed or the target misbehaved, 2 bad usage. */
int rc_smoke_main(int argc, char **argv);

#endif
