/* Every default and hard limit of switchd in one place. */
#ifndef SWITCHD_DEFAULTS_H
#define SWITCHD_DEFAULTS_H

#define SWITCHD_VERSION "0.1.0"

/* Control socket. */
#define SWITCHD_SOCKET "/run/switchd/switchd.sock"
#define SWITCHD_SOCKET_MODE 0660
#define SWITCHD_RUNDIR_MODE 0750
/* --ro-socket: anyone may connect, to show and status only. */
#define SWITCHD_RO_SOCKET_MODE 0666
#define SWITCHD_RO_DIR_MODE 0755
/*
 * Where the docs put the read-only socket (outside the 0750 directory): a
 * switchctl refused on the main socket names it when a socket is there.
 */
#define SWITCHD_RO_SOCKET_HINT "/run/switchd.ro.sock"
/*
 * Clients per socket (the read-only one has its own). When all are taken, a
 * new client takes the place of the one that has made no progress for the
 * longest, however short that is: a crowd of idle connections, even one that
 * re-connects as fast as it is dropped, cannot lock an operator out (the
 * newest client is always the last to go).
 */
#define SWITCHD_CTL_MAX_CLIENTS 64
/* A client that sends nothing for this long is dropped (monitors excepted). */
#define SWITCHD_CTL_IDLE_SEC 30
/* A message must arrive whole within this long of its first byte. */
#define SWITCHD_CTL_PARTIAL_SEC 5
/* Monitors per socket, and the unread events one may have before it misses some. */
#define SWITCHD_CTL_MAX_MONITORS 16
/*
 * A full socket drops a client to make room, which may be a switchctl whose
 * request it has not read yet. switchd answers every request it reads before
 * it closes, so a connection that ends before the first reply byte carried
 * nothing out: switchctl sends again, this many times, waiting 20 ms, 40 ms...
 */
#define SWITCHD_CTL_RETRIES 6
#define SWITCHD_CTL_RETRY_MS 20
#define SWITCHD_CTL_MONITOR_BUF (1u << 20)
/*
 * A capture's frames not yet read by its client: those that do not fit are
 * dropped and counted, never waited for (tcpdump's default buffer is 2 MiB).
 */
#define SWITCHD_CAPTURE_BUF (2u << 20)
/* Captures running at once (each an observer of the switch: sw.h's SW_OBSERVERS_MAX). */
#define SWITCHD_CAPTURE_MAX 8
/* A client that does not read its replies may not make the daemon hold more than this. */
#define SWITCHD_CTL_OUTBUF_MAX (8u << 20)
/*
 * A long reply (mac show of a big table) is made a piece at a time, the next
 * one when less than this is left unread: a client holds ~100 KiB of it.
 */
#define SWITCHD_CTL_MORE_LOW (64u << 10)
#define SWITCHD_CTL_MORE_RECORDS 1024

/* MAC table. */
#define SWITCHD_AGEING_SEC 300
#define SWITCHD_AGEING_MAX_SEC 1000000
#define SWITCHD_MAX_MACS 8192
#define SWITCHD_MAX_MACS_LIMIT (1u << 24)

/*
 * Loops and storms. A MAC that moves between ports more than FLAP_MOVES
 * times within a second marks a loop: the port it moved to is blocked (no
 * frames in or out) for FLAP_HOLD seconds. Flooded frames (broadcast,
 * multicast, unknown unicast) entering one port are limited per second;
 * 0 means no limit. The burst allowed above the rate is STORM_BURST_MS of
 * it (at least one frame): a looping frame crosses the loop thousands of
 * times a second, so a second's worth of burst let a limit of 1000 pass
 * 1000 copies at once before it bit.
 */
#define SWITCHD_FLAP_MOVES 10
#define SWITCHD_FLAP_HOLD_SEC 30
#define SWITCHD_STORM_PPS 10000
#define SWITCHD_STORM_BURST_MS 100
/* Upper bounds of the three settings above (command line and switchctl set). */
#define SWITCHD_FLAP_MOVES_MAX 10000000
#define SWITCHD_FLAP_HOLD_MAX_SEC 10000000
#define SWITCHD_STORM_PPS_MAX 10000000

/* Ports. */
#define SWITCHD_PORTS_MAX 256
/* port add NAME netns NS: a bare NS names one under this directory (ip netns); the peer's name. */
#define SWITCHD_NETNS_DIR "/run/netns"
#define SWITCHD_NETNS_PEER "eth0"
/* Frames read from one port per wakeup, so a busy port cannot starve the others. */
#define SWITCHD_RX_BUDGET 64
/*
 * Receive buffer per frame: a whole GSO super-frame (64 KiB of IP plus
 * headers and tags) with room to spare, so a read that fills it can be told
 * apart as one the kernel cut short.
 */
#define SWITCHD_FRAME_MAX (65536 + 512)
#define SWITCHD_SOCK_BUF (4 << 20)
/*
 * Stream ports (QEMU -netdev stream): the largest frame a length prefix may
 * announce, how long a peer may stop in the middle of a frame before it is
 * dropped, and where the socket is by default: this directory, beside the
 * control socket, then NAME.sock.
 */
#define SWITCHD_STREAM_FRAME_MAX 65535
#define SWITCHD_STREAM_STALL_MS 3000
#define SWITCHD_STREAM_DIR "ports"
/*
 * AF_PACKET receive ring (TPACKET_V2): KIB KiB a port (--rx-ring), in slots
 * of SLOT bytes and blocks of BLOCK bytes, allocated and mapped for as long
 * as the port exists; the default gives 4096 slots. A slot holds a frame of up to 180 bytes (ACKs, ARP, pings, small
 * datagrams) after the kernel's header; bigger frames are also queued on the
 * socket and read from there. 4096 slots ride out switchd being off the CPU
 * for tens of milliseconds at 100k+ frames/s; 512 lost a third of such a
 * stream on a loaded machine (docs/performance.md).
 */
#define SWITCHD_RING_SLOT 256
#define SWITCHD_RING_BLOCK (16 << 10)
#define SWITCHD_RING_KIB 1024
#define SWITCHD_RING_KIB_MAX 65536

/*
 * After traffic, poll this long before sleeping (latency against CPU; 0
 * disables). Off by default: measured, it saved no wakeup a ping could see
 * and took CPU from the hosts on a 2-core machine (docs/performance.md).
 */
#define SWITCHD_SPIN_US 0
#define SWITCHD_SPIN_US_MAX 100000

/*
 * Mirrors (switchctl mirror add): at most this many at once, each of at most
 * SOURCES source ports. Each is an observer of the frame path (sw.h's
 * SW_OBSERVERS_MAX), which captures share.
 */
#define SWITCHD_MIRRORS_MAX 8
#define SWITCHD_MIRROR_SOURCES_MAX 16

/* Housekeeping period: ageing sweep, idle clients, port liveness. */
#define SWITCHD_TICK_SEC 1.0

#endif
