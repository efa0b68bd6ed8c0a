/*
 * The control socket server: accepts clients, frames and size-checks their
 * messages, hands each request to a handler and queues the replies. Nothing
 * a client does can block the loop or grow memory without bound.
 */
#ifndef SWITCHD_CTL_H
#define SWITCHD_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "switchd/proto.h"

struct ctl_client;

/* What a handler builds: records as it goes, then one status for the SWP_DONE. */
struct ctl_reply {
	struct ctl_client *client;
	uint32_t seq;
	uint32_t count;
	int status;
	char msg[SWP_ERR_MAX];
};

typedef void (*ctl_handler)(void *ctx, const struct swp_hdr *hdr, const void *body,
			    struct ctl_reply *r);

struct ctl {
	int fd;
	char path[108];
	struct ev_loop *loop;
	ev_io io;
	ev_timer retry; /* accept paused after EMFILE */
	struct ctl_client *clients;
	unsigned nclients;
	ctl_handler handler;
	void *ctx;
};

/*
 * Listens on path. A stale socket file is replaced; a live one (another
 * daemon answers) gives -EADDRINUSE.
 */
int ctl_open(struct ctl *ctl, struct ev_loop *loop, const char *path, ctl_handler h, void *ctx);
void ctl_close(struct ctl *ctl);

/* Drops clients idle for longer than SWITCHD_CTL_IDLE_SEC. */
void ctl_tick(struct ctl *ctl);

/* Queues one record of the reply. */
void ctl_reply_add(struct ctl_reply *r, uint16_t type, const void *body, size_t len);
void ctl_reply_error(struct ctl_reply *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
