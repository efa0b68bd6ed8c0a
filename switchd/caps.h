/*
 * The capabilities switchd needs for its ports, read from /proc/self/status
 * (no libcap): said once at start-up when one is missing, and named in the
 * error of a port add the kernel refused for want of it.
 */
#ifndef SWITCHD_CAPS_H
#define SWITCHD_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* Bits of CapEff, as capability(7) numbers them. */
#define CAPS_NET_ADMIN (UINT64_C(1) << 12)
#define CAPS_NET_RAW (UINT64_C(1) << 13)

/* The CapEff line of a /proc/PID/status text. 0 or -EINVAL when it has none. */
int caps_parse(const char *status, uint64_t *eff);
/* This process's effective set. 0 or -errno. */
int caps_effective(uint64_t *eff);
/*
 * Of the capabilities in need, those missing from eff, as "CAP_NET_ADMIN",
 * "CAP_NET_RAW" or "CAP_NET_ADMIN and CAP_NET_RAW"; "" when none is missing.
 */
const char *caps_missing(uint64_t eff, uint64_t need);
/* What a port of this SWP_PORT_* type (netns: a veth) needs. */
uint64_t caps_for_port(uint32_t type, int netns);

#endif
