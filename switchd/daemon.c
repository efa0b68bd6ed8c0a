#include "daemon.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "notify.h"

static void daemon_link_cb(void *ctx, int type, const struct nl_link *l)
{
	struct daemon *d = ctx;
	struct port *p = sw_port_by_ifindex(&d->sw, l->ifindex);

	if (!p || (p->state == SWP_STATE_MOVED))
		return;
	if (type == RTM_DELLINK) {
		/* A TAP's kernel side moving to another netns is not a removal: its fd still works. */
		if (l->moved && p->ops->type == SWP_PORT_TAP) {
			p->state = SWP_STATE_MOVED;
			log_info("port %s: interface moved to another network namespace", p->name);
			return;
		}
		sw_port_remove(&d->sw, p, "interface vanished");
		return;
	}
	uint32_t state = (l->flags & IFF_UP) && (l->flags & IFF_RUNNING) ? SWP_STATE_UP : SWP_STATE_DOWN;
	struct nl_link now;

	if (l->mtu)
		p->mtu = l->mtu;
	/*
	 * Events queue up: one may tell of a state already past (a link just
	 * brought up reports down, then up). A change is taken from what the link
	 * says now, so it is reported once, when it is real.
	 */
	if (state != p->state && !nl_link_get(&d->nl, p->name, &now) && now.ifindex == p->ifindex)
		state = (now.flags & IFF_UP) && (now.flags & IFF_RUNNING) ? SWP_STATE_UP : SWP_STATE_DOWN;
	if (state != p->state) {
		log_info("port %s: link %s", p->name, swp_state_name(state));
		sw_event(&d->sw, state == SWP_STATE_UP ? SWP_EV_PORT_UP : SWP_EV_PORT_DOWN, p, 0, NULL);
	}
	p->state = state;
}

/* Stamps an event from the switch and hands it to every monitor. */
static void daemon_event_cb(void *ctx, struct swp_event *ev)
{
	struct daemon *d = ctx;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev->time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	ctl_event(&d->ctl, ev);
	ctl_event(&d->ctl_ro, ev);
}

/*
 * The switch makes events (a MAC learned or evicted is one per frame in a
 * flood) only while a monitor listens on either socket.
 */
static void daemon_monitors_cb(void *ctx)
{
	struct daemon *d = ctx;
	bool any = ctl_has_monitors(&d->ctl) || ctl_has_monitors(&d->ctl_ro);

	sw_set_event(&d->sw, any ? daemon_event_cb : NULL, d);
}

/* Drops every port whose interface is gone: after lost link events, and each tick. */
static void daemon_check_ports(struct daemon *d)
{
	for (uint32_t i = d->sw.nports; i-- > 0;) {
		struct port *p = d->sw.active[i];

		if (!p->ops->alive(p))
			sw_port_remove(&d->sw, p, "interface vanished");
	}
}

static void daemon_resync_cb(void *ctx)
{
	daemon_check_ports(ctx);
}

static void daemon_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct daemon *d = w->data;

	sw_tick(&d->sw);
	daemon_check_ports(d);
	ctl_tick(&d->ctl);
	if (d->ctl_ro.fd >= 0)
		ctl_tick(&d->ctl_ro);
}

static void daemon_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info("signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void daemon_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	conf_reload(w->data);
}

int daemon_take_fd(struct daemon *d, const char *fdname)
{
	for (int i = 0; i < d->npassed; i++) {
		int fd = d->passed[i].fd;

		if (fd >= 0 && !strcmp(d->passed[i].name, fdname)) {
			d->passed[i].fd = -1;
			return fd;
		}
	}
	return -1;
}

/*
 * The passed descriptors no port claimed: closed and dropped from the store,
 * or they would keep a TAP nobody switches alive for ever.
 */
static void daemon_release_fds(struct daemon *d)
{
	char fdname[PORT_FDNAME_MAX];

	for (int i = 0; i < d->npassed; i++) {
		struct notify_fd *nf = &d->passed[i];
		struct port *p;

		if (nf->fd < 0)
			continue;
		close(nf->fd);
		nf->fd = -1;
		log_info("descriptor '%s' from the store: no port claims it, closed", nf->name);
		notify_fd_remove(nf->name);
		/* A name given twice: the remove took the port's copy too. Put it back. */
		for (uint32_t j = 0; j < d->sw.nports; j++) {
			p = d->sw.active[j];
			port_store_name(p, fdname, sizeof(fdname));
			if (p->stored && !strcmp(fdname, nf->name) && notify_fd_store(p->fd, fdname))
				p->stored = false;
		}
	}
	free(d->passed);
	d->passed = NULL;
	d->npassed = 0;
}

static int daemon_listen(struct daemon *d, struct ctl *ctl, const char *path, bool readonly)
{
	int err = ctl_open(ctl, d->loop, path, readonly, cmd_handle, d);

	if (err == -EADDRINUSE)
		log_err("another switchd is already listening on %s", path);
	else if (err)
		log_err("control socket %s: %s", path, strerror(-err));
	return err;
}

/*
 * Without these, switchd starts and listens, and then every port add fails:
 * say so once, up front, with what will not work.
 */
static void daemon_check_caps(struct daemon *d)
{
	bool admin, raw;

	if (caps_effective(&d->caps) < 0) {
		d->caps = ~UINT64_C(0); /* unknown: a port add says what the kernel said */
		return;
	}
	admin = !(d->caps & CAPS_NET_ADMIN);
	raw = !(d->caps & CAPS_NET_RAW);
	if (!admin && !raw)
		return;
	log_warn("capabilities: switchd lacks %s%s%s: run it as root, or with CAP_NET_ADMIN and "
		 "CAP_NET_RAW",
		 admin ? "CAP_NET_ADMIN (no TAP or veth can be created, no interface brought up)" : "",
		 admin && raw ? " and " : "",
		 raw ? "CAP_NET_RAW (no interface, veth or held TAP can be attached)" : "");
}

int daemon_start(struct daemon *d, const struct daemon_opts *opts)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->opts = *opts;
	d->ctl.fd = -1;
	d->ctl_ro.fd = -1;
	daemon_check_caps(d);
	/* First: the descriptors a service manager kept across a crash are 3, 4, ... */
	d->npassed = notify_listen_fds(&d->passed);
	if (d->npassed < 0) {
		log_err("%s: the descriptors passed: %s", __func__, strerror(-d->npassed));
		d->npassed = 0;
	} else if (d->npassed) {
		log_info("%d descriptor%s passed from the store", d->npassed, d->npassed == 1 ? "" : "s");
	}
	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (!d->loop) {
		log_err("%s: cannot create the event loop", __func__);
		return -ENOMEM;
	}
	signal(SIGPIPE, SIG_IGN);
	err = sw_init(&d->sw, d->loop, &opts->sw, NULL);
	if (err) {
		log_err("%s: %s", __func__, strerror(-err));
		return err;
	}
	mirrors_init(&d->mirrors, &d->sw);
	err = nl_open(&d->nl);
	if (!err)
		err = nl_monitor_start(&d->nl, d->loop, daemon_link_cb, daemon_resync_cb, d);
	if (err) {
		log_err("%s: rtnetlink: %s", __func__, strerror(-err));
		goto fail;
	}
	err = daemon_listen(d, &d->ctl, opts->socket, false);
	if (!err && opts->ro_socket)
		err = daemon_listen(d, &d->ctl_ro, opts->ro_socket, true);
	if (err)
		goto fail;
	d->ctl.monitors_changed = daemon_monitors_cb;
	d->ctl_ro.monitors_changed = daemon_monitors_cb;
	/* After the socket: a second switchd must not get as far as taking the file's ports. */
	if (opts->conf && (err = conf_start(d, opts->conf)))
		goto fail;
	daemon_release_fds(d);
	ev_timer_init(&d->tick, daemon_tick_cb, SWITCHD_TICK_SEC, SWITCHD_TICK_SEC);
	d->tick.data = d;
	ev_timer_start(d->loop, &d->tick);
	ev_signal_init(&d->sigterm, daemon_signal_cb, SIGTERM);
	ev_signal_init(&d->sigint, daemon_signal_cb, SIGINT);
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_start(d->loop, &d->sigint);
	/* The unit's ExecReload sends SIGHUP: it must never end the daemon. */
	ev_signal_init(&d->sighup, daemon_hup_cb, SIGHUP);
	d->sighup.data = d;
	ev_signal_start(d->loop, &d->sighup);
	log_info("switchd %s listening on %s%s%s (max %u MACs, ageing %u s)", SWITCHD_VERSION,
		 opts->socket, opts->ro_socket ? ", read-only on " : "",
		 opts->ro_socket ? opts->ro_socket : "", d->sw.fdb.max,
		 (unsigned)(d->sw.fdb.ageing_ms / 1000));
	/* Only now can switchctl connect: systemd's Type=notify waits for this. */
	notify_ready();
	return 0;
fail:
	daemon_release_fds(d);
	ctl_close(&d->ctl);
	nl_close(&d->nl);
	mirrors_fini(&d->mirrors);
	sw_fini(&d->sw);
	conf_free(&d->conf);
	return err;
}

void daemon_run(struct daemon *d)
{
	ev_run(d->loop, 0);
}

void daemon_stop(struct daemon *d)
{
	notify_stopping();
	/* A capture's client learns why it ended, if its socket takes the last bytes now. */
	capture_end_all(&d->captures, "switchd stopping");
	ctl_flush_all(&d->ctl);
	ctl_close(&d->ctl);
	ctl_close(&d->ctl_ro);
	mirrors_fini(&d->mirrors);
	sw_fini(&d->sw);
	nl_close(&d->nl);
	conf_free(&d->conf);
	ev_timer_stop(d->loop, &d->tick);
	ev_loop_destroy(d->loop);
}
