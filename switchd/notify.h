/*
 * systemd readiness notification (sd_notify(3)'s protocol) without libsystemd:
 * one datagram to $NOTIFY_SOCKET. Outside systemd (no NOTIFY_SOCKET) every
 * call does nothing and returns 0.
 */
#ifndef SWITCHD_NOTIFY_H
#define SWITCHD_NOTIFY_H

/* Sends state (e.g. "READY=1"), if NOTIFY_SOCKET is set. Returns 0 or -errno, logged once. */
int notify_send(const char *state);
/* "READY=1\nMAINPID=<pid>": the control socket is listening, Type=notify may go on. */
int notify_ready(void);
/* "STOPPING=1": shutdown has begun. */
int notify_stopping(void);

#endif
