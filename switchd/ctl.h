/*
 * The control socket server: accepts clients, frames and size-checks their
 * messages, hands each request to a handler and queues the replies. Nothing
 * a client does can block the loop or grow memory without bound.
 */
#ifndef SWITCHD_CTL_H
#define SWITCHD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "switchd/proto.h"

struct ctl_client;

/*
 * A client's received bytes, cut into messages. Only whole messages come out,
 * so no handler ever sees a short body. The buffer starts at
 * CTL_STREAM_MIN bytes, grows to the length of a longer message once its
 * header is in (never past SWP_MSG_MAX, so a client can never make the daemon
 * hold more) and shrinks back once it is empty: an idle client costs little,
 * and a daemon with many clients does not hold SWP_MSG_MAX for each.
 */
#define CTL_STREAM_MIN 4096
struct ctl_stream {
	uint8_t *buf;
	size_t cap;
	size_t off; /* consumed by ctl_stream_next, given back on the next ctl_stream_space */
	size_t len; /* received */
};

/* One whole message out of a stream. */
struct ctl_msg {
	struct swp_hdr hdr;
	int err;      /* swp_check(), then swp_decode(): 0, -EPROTO or -EBADMSG */
	uint16_t bad; /* -EBADMSG from swp_decode: the attribute at fault */
	/* Its attributes decoded into the struct of its type (swp_body_size). */
	_Alignas(8) uint8_t body[SWP_BODY_MAX];
};

/*
 * Where the next received bytes go: *room bytes (the buffer less what is
 * held) at the returned address. Room is never 0 while ctl_stream_next has
 * not returned -EMSGSIZE; NULL (room 0) when the buffer could not grow.
 */
uint8_t *ctl_stream_space(struct ctl_stream *s, size_t *room);
/* Frees the buffer. */
void ctl_stream_fini(struct ctl_stream *s);
/* n bytes were written at ctl_stream_space(). */
void ctl_stream_fill(struct ctl_stream *s, size_t n);
/*
 * The next message: 1 with *m filled once it is whole, 0 while more bytes
 * are needed, or -EMSGSIZE when its length is out of range: the stream cannot
 * be re-framed and returns -EMSGSIZE from then on. An unaligned length is
 * refused as soon as its 4 bytes are in, any other once the header is; m->hdr
 * holds the header's bytes received and 0 for the rest (seq among them).
 */
int ctl_stream_next(struct ctl_stream *s, struct ctl_msg *m);

/* Replies queued for one client, at most SWITCHD_CTL_OUTBUF_MAX bytes. */
struct ctl_out {
	uint8_t *buf;
	size_t off; /* sent */
	size_t len; /* queued */
	size_t cap;
	bool overflow; /* a reply did not fit: the client must go */
	bool keep; /* a feed's: keep the buffer when drained, it fills again */
};

/* n more queued bytes were sent; once all are, the buffer is reset. */
void ctl_out_sent(struct ctl_out *o, size_t n);

struct ctl_reply;
struct ctl_conn;

/*
 * The rest of a reply too big to queue at once: queues the next piece and
 * returns true when the reply is complete.
 */
typedef bool (*ctl_more)(void *ctx, struct ctl_reply *r);

/* What a handler builds: records as it goes, then one status for the SWP_DONE. */
struct ctl_reply {
	struct ctl_conn *conn;
	uint32_t seq;
	uint32_t count;
	int status;
	char msg[SWP_ERR_MAX];
	/*
	 * Set by a handler that queued only part of its records: ctl calls it
	 * again, with this reply, each time the client has read what was queued,
	 * and answers nothing else meanwhile. cursor and arg are the handler's.
	 */
	ctl_more more;
	uint64_t cursor;
	char arg[SWP_NAME_MAX];
	uint32_t arg2;
};

/* Who is at the other end (SO_PEERCRED), and what they may do. */
struct ctl_peer {
	int32_t pid;
	uint32_t uid, gid;
	bool readonly; /* came in through the read-only socket: show and status only */
	bool config;   /* not a client: the daemon applying its configuration file */
};

/*
 * One client's side of the protocol without its socket: what the daemon does
 * with received bytes, and so what the tests and fuzz/ drive directly.
 */
struct ctl_conn {
	struct ctl *ctl; /* NULL when driven without a server (tests, fuzz/) */
	struct ctl_stream in;
	struct ctl_out out;
	struct ctl_peer peer;
	int fd_in;   /* a descriptor the client sent (SCM_RIGHTS) with its last read, if has_fd */
	bool has_fd;
	bool closing; /* hang up once out is sent; nothing more is read */
	struct ctl_reply pending; /* a reply in pieces: pending.more is set */
	bool monitor; /* subscribed to events (ctl_event) */
	uint32_t monitor_seq; /* of the SWP_MONITOR request; every event carries it */
	uint64_t lost; /* events not queued because the client did not read */
	/*
	 * A feed (a capture): records that someone else queues (ctl_feed_add)
	 * until it ends; feed_fini(feed_ctx) is called once the connection goes,
	 * feed_eof(feed_ctx) when the client shuts its side down (it may end the
	 * feed with a last record, ctl_feed_end, which the client then reads).
	 */
	bool feed;
	void (*feed_fini)(void *ctx);
	void (*feed_eof)(void *ctx);
	void *feed_ctx;
};

typedef void (*ctl_handler)(void *ctx, const struct swp_hdr *hdr, const void *body,
			    struct ctl_reply *r);

/*
 * Handles every whole message received so far: a malformed one gets an error
 * SWP_DONE, a well-formed one goes to h, and each gets exactly one SWP_DONE.
 * After an out-of-range length it answers, sets closing and stops. Returns 0,
 * or -ENOBUFS when the replies (records or a SWP_DONE) outgrew
 * SWITCHD_CTL_OUTBUF_MAX: drop the client, whose answers are incomplete.
 */
int ctl_conn_input(struct ctl_conn *cn, ctl_handler h, void *ctx);
/*
 * Queues the next piece of a pending reply (and its SWP_DONE once complete,
 * then handles the messages received meanwhile). Returns 1 while more is to
 * come, 0 when nothing is pending, -ENOBUFS as ctl_conn_input.
 */
int ctl_conn_continue(struct ctl_conn *cn, ctl_handler h, void *ctx);
/* Frees what the connection holds (not cn itself). */
void ctl_conn_fini(struct ctl_conn *cn);

struct ctl {
	int fd;
	bool readonly; /* a read-only socket: world-connectable, changes refused */
	char path[108];
	struct ev_loop *loop;
	ev_io io;
	ev_timer retry; /* accept paused after EMFILE */
	struct ctl_client *clients;
	unsigned nclients;
	unsigned nmonitors;
	/*
	 * Optional: called with ctx when the first monitor subscribes and when the
	 * last one goes, so events are made only while someone listens.
	 */
	void (*monitors_changed)(void *ctx);
	ctl_handler handler;
	void *ctx;
};

/*
 * Listens on path: mode 0660 (in a 0750 directory made if missing), or for a
 * read-only socket 0666 (directory 0755). A stale socket file is replaced; a
 * live one (another daemon answers) gives -EADDRINUSE.
 */
int ctl_open(struct ctl *ctl, struct ev_loop *loop, const char *path, bool readonly,
	     ctl_handler h, void *ctx);
void ctl_close(struct ctl *ctl);

/*
 * Drops clients idle for longer than SWITCHD_CTL_IDLE_SEC, and those that
 * have held a partial message for longer than SWITCHD_CTL_PARTIAL_SEC.
 * Subscribed monitors are never idle.
 */
void ctl_tick(struct ctl *ctl);

/*
 * Makes the connection a monitor: -EBUSY when SWITCHD_CTL_MAX_MONITORS
 * already are. A handler calls it; the events follow its SWP_DONE.
 */
int ctl_subscribe(struct ctl_reply *r);
/* Whether any client would receive an event: skip building one otherwise. */
static inline bool ctl_has_monitors(const struct ctl *ctl)
{
	return ctl->nmonitors > 0;
}
/*
 * Queues ev for every monitor. One that has SWITCHD_CTL_MONITOR_BUF bytes
 * unread misses it; once it reads again it first gets a SWP_EV_LOST event
 * with the count it missed.
 */
void ctl_event(struct ctl *ctl, const struct swp_event *ev);

/*
 * Makes the connection a feed: after the SWP_DONE, records come from
 * ctl_feed_add until ctl_feed_end; fini(ctx) is called when the connection
 * goes, for whatever reason (hang-up, end, the daemon's exit). Feeds are
 * never idle and never evicted.
 */
void ctl_feed_start(struct ctl_reply *r, void (*fini)(void *ctx), void (*eof)(void *ctx), void *ctx);
/*
 * Queues one record of a feed unless the client has budget bytes unread
 * already: 0, or -ENOBUFS (nothing queued: the caller counts a drop). Cheap
 * enough for the frame path: no syscall, no allocation once the buffer has
 * grown to the budget.
 */
int ctl_feed_add(struct ctl_conn *cn, uint16_t type, uint32_t seq, const void *body, size_t budget);
/* Queues a feed's last record (whatever is unread) and hangs up once it is sent. */
void ctl_feed_end(struct ctl_conn *cn, uint16_t type, uint32_t seq, const void *body);
/* Sends what each client can take now without waiting (before ctl_close at exit). */
void ctl_flush_all(struct ctl *ctl);

/*
 * The descriptor the client sent with the request being handled, now the
 * caller's to close; -1 when none came. One unclaimed by the time the
 * requests of that read are handled is closed.
 */
int ctl_take_fd(struct ctl_reply *r);

/* Queues one record of the reply: body is the struct of its type. */
void ctl_reply_add(struct ctl_reply *r, uint16_t type, const void *body);
void ctl_reply_error(struct ctl_reply *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
