/* The running daemon: the switch plus its netlink monitor, control socket and timers. */
#ifndef SWITCHD_DAEMON_H
#define SWITCHD_DAEMON_H

#include <ev.h>

#include "conf.h"
#include "ctl.h"
#include "nl.h"
#include "sw.h"

struct daemon_opts {
	const char *socket;
	const char *ro_socket; /* NULL: none */
	const char *conf; /* -c FILE, or NULL */
	struct sw_config sw;
	bool verbose;
};

struct daemon {
	struct ev_loop *loop;
	struct sw sw;
	struct nl nl;
	struct ctl ctl;
	struct ctl ctl_ro;
	ev_timer tick;
	ev_signal sigterm, sigint, sighup;
	struct daemon_opts opts;
	struct conf conf; /* what the last (re)load of opts.conf applied */
};

/* Returns 0 or -errno, having logged why. */
int daemon_start(struct daemon *d, const struct daemon_opts *opts);
void daemon_run(struct daemon *d);
void daemon_stop(struct daemon *d);

/* The control request handler (cmd.c). */
void cmd_handle(void *ctx, const struct swp_hdr *hdr, const void *body, struct ctl_reply *r);

#endif
