/*
 * The configuration file (switchd -c FILE): switchctl commands, one a line,
 * of which only `port add`, `port set`, `mac add`, `mirror add` and `set`
 * belong (a port's `port set`, `mac add` and `mirror add` lines come after its
 * `port add`). Each line goes through
 * switchctl's own grammar (cli_cmd_parse) into the request switchctl would send,
 * and is applied through the daemon's request handler (cmd_handle): the file
 * and the CLI cannot disagree.
 *
 * Reading (conf_load) and comparing two loads (conf_plan, conf_setting_target)
 * touch nothing but memory, so `switchd -n` and the unit tests use them as
 * they are; applying them (conf_start, conf_reload) is the daemon's part.
 */
#ifndef SWITCHD_CONF_H
#define SWITCHD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "switchd/cmdline.h"
#include "sw.h"

/* A `port add` line, as the request switchctl would send for it, and the port's `port set` lines. */
struct conf_port {
	char name[SWP_NAME_MAX];
	struct cli_cmd cmd;
	unsigned line;
	uint64_t pset[SWP_PSET_KEY_MAX + 1]; /* by enum swp_port_setting_key */
	unsigned pset_line[SWP_PSET_KEY_MAX + 1]; /* 0: the file does not set it */
	struct swp_vlan vlan; /* port set NAME vlan ... */
	unsigned vlan_line;   /* 0: the file does not set it */
};

/* A `mac add` line. */
struct conf_mac {
	struct swp_mac_req req;
	unsigned line;
};

/* A `mirror add` line. */
struct conf_mirror {
	struct swp_mirror req;
	unsigned line;
};

struct conf {
	char *path;
	struct conf_port *ports;
	uint32_t nports;
	struct conf_mac *macs;
	uint32_t nmacs;
	struct conf_mirror *mirrors;
	uint32_t nmirrors;
	/* `set` lines, by enum swp_setting_key; line 0: the file does not set it. */
	uint64_t value[SWP_SET_KEY_MAX + 1];
	unsigned set_line[SWP_SET_KEY_MAX + 1];
};

/*
 * Reads and checks the whole file into c (which conf_free releases, also
 * after a failure). Returns 0, or -errno with "PATH:LINE: why" (or "PATH:
 * why" when it cannot be read) in err. Nothing but the file is touched:
 * whether the interfaces exist is only found out by applying it.
 */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);
/* One line of the file, numbered lineno; modifies line. 0 or -EINVAL with "why" in err. */
int conf_line(struct conf *c, char *line, unsigned lineno, char *err, size_t errlen);
void conf_free(struct conf *c);

const struct conf_port *conf_port_find(const struct conf *c, const char *name);

/* What the switch holds under a port name the file declares or declared. */
enum conf_port_state {
	CONF_PORT_ABSENT,  /* no such port */
	CONF_PORT_RUNTIME, /* added by switchctl: a reload never touches it */
	CONF_PORT_OWNED,   /* added by an earlier load of the file */
};

enum conf_action {
	CONF_KEEP,     /* same line, attached: left alone, MAC entries and counters too */
	CONF_ADD,      /* declared, not attached */
	CONF_RECREATE, /* its line changed: removed and added again */
	CONF_DEL,      /* the file no longer declares it */
	CONF_RUNTIME,  /* declared, but switchctl added a port of that name: left alone */
};

struct conf_step {
	enum conf_action action;
	const struct conf_port *old, *new; /* old: NULL for ADD of a new name; new: NULL for DEL */
};

/*
 * The steps from what the last load applied (old, may be empty) to next,
 * state telling what the switch holds now: one per port of next in file
 * order, then a CONF_DEL per port of old that next drops and the file added.
 * steps has room for old->nports + next->nports; returns how many.
 */
size_t conf_plan(const struct conf *old, const struct conf *next,
		 enum conf_port_state (*state)(void *ctx, const char *name), void *ctx,
		 struct conf_step *steps);

/*
 * Whether a reload from old to next sets the setting key, and to what: the
 * file's value while the file sets it; base's (the command line's) once it
 * no longer does. A setting the file never set is left alone (false), so a
 * runtime `switchctl set` of it stays.
 */
bool conf_setting_target(const struct conf *old, const struct conf *next,
			 const struct sw_config *base, uint32_t key, uint64_t *value);
/* The command line's value of a setting. */
uint64_t conf_base_value(const struct sw_config *base, uint32_t key);

struct daemon;
/*
 * Start-up: the settings, then every port in file order. On failure the
 * ports added so far are removed and the error is logged as PATH:LINE.
 */
int conf_start(struct daemon *d, const char *path);
/* SIGHUP: re-reads the file and applies the difference (docs/config.md). */
void conf_reload(struct daemon *d);

#endif
