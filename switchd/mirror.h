/*
 * Port mirroring (switchctl mirror): each mirror is an observer of the frame
 * path (sw.h) that queues every frame its source ports receive, send or both
 * to its destination port, as it was at the source (tags included). The
 * destination is marked SW_DIR_DST: it gets no regular traffic and what it
 * sends is dropped (rx_drop_mirror). Frames are queued as they are, not
 * copied (the frame path keeps them unchanged until sw_flush); a destination
 * that cannot keep up drops at its socket (tx_drop_busy), never blocking.
 */
#ifndef SWITCHD_MIRROR_H
#define SWITCHD_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw.h"

struct mirrors;

struct mirror {
	char name[SWP_MIRROR_NAME_MAX];
	struct sw_observer obs;
	struct mirrors *set;
	struct port *from[SWITCHD_MIRROR_SOURCES_MAX]; /* as the request named them */
	uint32_t nfrom;
	uint32_t dir; /* SWP_MIRROR_* */
	struct port *to;
	bool conf; /* added by the configuration file: a reload may remove it */
	uint64_t packets;
};

struct mirrors {
	struct sw *sw;
	struct mirror *m[SWITCHD_MIRRORS_MAX]; /* in the order they were added */
	uint32_t n;
};

void mirrors_init(struct mirrors *ms, struct sw *sw);
/* Stops and frees every mirror, silently (the switch is stopping). */
void mirrors_fini(struct mirrors *ms);

struct mirror *mirror_find(const struct mirrors *ms, const char *name);

/*
 * A mirror from the ports named in from ("a,b") to the port to, dir
 * SWP_MIRROR_* (0: both). 0, or -errno with why: -EEXIST (the name is
 * taken), -ENOSPC (SWITCHD_MIRRORS_MAX, or the switch's observers),
 * -ENOENT (no such port), -EINVAL (a bad name or list, the destination among
 * the sources, a source that is a mirror's destination or a destination that
 * is a mirror's source), -EBUSY (static MAC entries point at the destination).
 */
int mirror_add(struct mirrors *ms, const char *name, const char *from, uint32_t dir, const char *to,
	       bool conf, char *why, size_t whylen);
/* Stops mirror name: 0 or -ENOENT. */
int mirror_del(struct mirrors *ms, const char *name);

/* m as mirror show gives it. */
void mirror_info(const struct mirror *m, struct swp_mirror *out);
/* "vm1,vm2": the sources, as the request named them. */
void mirror_from_format(const struct mirror *m, char *buf, size_t len);
/* The mirror whose destination p is, or NULL. */
const struct mirror *mirror_of_dst(const struct mirrors *ms, const struct port *p);

#endif
