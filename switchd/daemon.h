/* The running daemon: the switch plus its netlink monitor, control socket and timers. */
#ifndef SWITCHD_DAEMON_H
#define SWITCHD_DAEMON_H

#include <ev.h>

#include "capture.h"
#include "conf.h"
#include "ctl.h"
#include "mirror.h"
#include "nl.h"
#include "notify.h"
#include "sw.h"

struct daemon_opts {
	const char *socket;
	const char *ro_socket; /* NULL: none */
	const char *conf; /* -c FILE, or NULL */
	struct sw_config sw;
	struct port_opts port;
	bool verbose;
};

struct daemon {
	struct ev_loop *loop;
	struct sw sw;
	struct mirrors mirrors;
	struct nl nl;
	struct ctl ctl;
	struct ctl ctl_ro;
	ev_timer tick;
	ev_signal sigterm, sigint, sighup;
	struct daemon_opts opts;
	struct conf conf; /* what the last (re)load of opts.conf applied */
	/* Descriptors the service manager passed at start (its store); fd -1 once claimed. */
	struct notify_fd *passed;
	int npassed;
	uint64_t caps; /* effective capabilities at start (caps.h); all bits when unknown */
	struct capture *captures; /* running, each freed with its client */
};

/* Returns 0 or -errno, having logged why. */
int daemon_start(struct daemon *d, const struct daemon_opts *opts);
void daemon_run(struct daemon *d);
void daemon_stop(struct daemon *d);

/*
 * The descriptor the store kept under fdname, now the caller's; -1 when none
 * was passed. Only until the configuration file is applied: the rest are
 * closed then (and dropped from the store).
 */
int daemon_take_fd(struct daemon *d, const char *fdname);

/* The control request handler (cmd.c). */
void cmd_handle(void *ctx, const struct swp_hdr *hdr, const void *body, struct ctl_reply *r);

#endif
