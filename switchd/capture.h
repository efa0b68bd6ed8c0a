/*
 * Captures (switchctl capture): frames crossing ports, filtered by a classic
 * BPF program, copied into their client's feed (ctl.h) within a fixed
 * budget; what does not fit is dropped and counted, never waited for.
 */
#ifndef SWITCHD_CAPTURE_H
#define SWITCHD_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h> /* u_int, u_char: pcap/bpf.h uses them */

#include <pcap/bpf.h>

#include "ctl.h"
#include "sw.h"

struct capture {
	struct sw_observer obs;
	struct sw *sw;
	struct ctl_conn *conn;
	struct capture **list, *next; /* the daemon's running captures */
	uint32_t id;
	uint32_t seq;
	struct bpf_insn *prog; /* NULL: every frame */
	uint32_t snaplen;
	uint64_t count; /* 0: no end */
	uint64_t captured, dropped;
	size_t budget; /* SWITCHD_CAPTURE_BUF; tests make it smaller */
	bool ended;
	bool all;
	uint32_t uid;
	int32_t pid;
	char ports[SWP_CAP_PORTS_MAX];
};

/*
 * Starts the capture req asks for on r's connection (a handler calls it):
 * sends one SWP_CAPTURE_FRAME record of kind port per port, and frames after
 * the SWP_DONE. On a failure r carries the error. The capture is freed when
 * its connection goes (hang-up, COUNT reached, switchd's exit).
 */
void capture_start(struct sw *sw, struct capture **list, struct ctl_reply *r,
		   const struct swp_capture_req *req);
/* Ends every capture with reason (switchd stopping): their SWP_CAPTURE_END is queued. */
void capture_end_all(struct capture **list, const char *reason);

#endif
