/* The configuration file: read with switchctl's grammar (lib/cmdline.c), applied with the daemon's handler. */
#include "conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

/* More words than any command has: a line this long is a mistake. */
#define CONF_MAX_WORDS 32

static int conf_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The index of the file's port NAME, -1 when it has none. */
static int conf_port_index(const struct conf *c, const char *name)
{
	for (uint32_t i = 0; i < c->nports; i++)
		if (!strcmp(c->ports[i].name, name))
			return (int)i;
	return -1;
}

const struct conf_port *conf_port_find(const struct conf *c, const char *name)
{
	int i = conf_port_index(c, name);

	return i < 0 ? NULL : &c->ports[i];
}

#define CONF_ONLY "only 'port add', 'port set', 'mac add', 'mirror add' and 'set' belong in a config file"

/* The first words of a command a file may hold. */
static bool conf_command(int argc, char *const *argv)
{
	if (!strcmp(argv[0], "set"))
		return true;
	if (argc < 2)
		return false;
	if (!strcmp(argv[0], "port"))
		return !strcmp(argv[1], "add") || !strcmp(argv[1], "set");
	return (!strcmp(argv[0], "mac") || !strcmp(argv[0], "fdb") || !strcmp(argv[0], "mirror")) &&
	       !strcmp(argv[1], "add");
}

/* A `port set` line: of a port an earlier line adds, each setting once. */
static int conf_port_set(struct conf *c, const struct swp_port_set_req *req, unsigned lineno, char *err,
			 size_t errlen)
{
	const struct swp_port_setting *s = swp_port_setting_by_key(req->key);
	int i = conf_port_index(c, req->name);
	struct conf_port *p = i < 0 ? NULL : &c->ports[i];

	if (!p)
		return conf_err(err, errlen, "port set %s: no 'port add %s' line before it", req->name,
				req->name);
	if (s->vlan) {
		const char *why;

		if (p->vlan_line)
			return conf_err(err, errlen, "port %s: vlan is already set on line %u", p->name,
					p->vlan_line);
		if (swp_vlan_check(&req->vlan, &why) < 0)
			return conf_err(err, errlen, "port set %s vlan: %s", p->name, why);
		p->vlan = req->vlan;
		p->vlan_line = lineno;
		return 0;
	}
	if (p->pset_line[s->key])
		return conf_err(err, errlen, "port %s: %s is already set on line %u", p->name, s->name,
				p->pset_line[s->key]);
	p->pset[s->key] = req->value;
	p->pset_line[s->key] = lineno;
	return 0;
}

static const struct conf_mac *conf_mac_find(const struct conf *c, const uint8_t *mac, uint16_t vlan)
{
	for (uint32_t i = 0; i < c->nmacs; i++)
		if (!memcmp(c->macs[i].req.mac, mac, 6) && c->macs[i].req.vlan == vlan)
			return &c->macs[i];
	return NULL;
}

/* A `mac add` line: on a port an earlier line adds, each (MAC, VLAN) once. */
static int conf_mac_add(struct conf *c, const struct swp_mac_req *req, unsigned lineno, char *err,
			size_t errlen)
{
	const struct conf_mac *dup = conf_mac_find(c, req->mac, req->vlan);
	struct conf_mac *m;

	if (!conf_port_find(c, req->port))
		return conf_err(err, errlen, "mac add: no 'port add %s' line before it", req->port);
	if (dup)
		return conf_err(err, errlen, "that MAC in VLAN %u is already added on line %u", req->vlan,
				dup->line);
	if (c->nmacs >= SWITCHD_MAX_MACS_LIMIT)
		return conf_err(err, errlen, "more than %u static MACs", SWITCHD_MAX_MACS_LIMIT);
	m = realloc(c->macs, (c->nmacs + 1) * sizeof(*c->macs));
	if (!m)
		return conf_err(err, errlen, "out of memory");
	c->macs = m;
	c->macs[c->nmacs++] = (struct conf_mac){ .req = *req, .line = lineno };
	return 0;
}

static const struct conf_mirror *conf_mirror_find(const struct conf *c, const char *name)
{
	for (uint32_t i = 0; i < c->nmirrors; i++)
		if (!strcmp(c->mirrors[i].req.name, name))
			return &c->mirrors[i];
	return NULL;
}

/* A `mirror add` line: each name once, of ports earlier lines add. */
static int conf_mirror_add(struct conf *c, const struct swp_mirror *req, unsigned lineno, char *err,
			   size_t errlen)
{
	const struct conf_mirror *dup = conf_mirror_find(c, req->name);
	char from[SWP_MIRROR_FROM_MAX], *save = NULL;
	struct conf_mirror *m;

	if (dup)
		return conf_err(err, errlen, "mirror %s is already added on line %u", req->name, dup->line);
	/* The grammar checked the list: names of at most SWP_NAME_MAX - 1 bytes. */
	snprintf(from, sizeof(from), "%s", req->from);
	for (char *w = strtok_r(from, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (!conf_port_find(c, w))
			return conf_err(err, errlen, "mirror add %s: no 'port add %s' line before it", req->name, w);
	if (!conf_port_find(c, req->to))
		return conf_err(err, errlen, "mirror add %s: no 'port add %s' line before it", req->name, req->to);
	if (c->nmirrors >= SWITCHD_MIRRORS_MAX)
		return conf_err(err, errlen, "more than %u mirrors", SWITCHD_MIRRORS_MAX);
	m = realloc(c->mirrors, (c->nmirrors + 1) * sizeof(*c->mirrors));
	if (!m)
		return conf_err(err, errlen, "out of memory");
	c->mirrors = m;
	c->mirrors[c->nmirrors++] = (struct conf_mirror){ .req = *req, .line = lineno };
	return 0;
}

int conf_line(struct conf *c, char *line, unsigned lineno, char *err, size_t errlen)
{
	char *argv[CONF_MAX_WORDS + 1], *save = NULL, *w;
	char why[256];
	struct cli_cmd cmd;
	int argc = 0;

	for (w = strtok_r(line, " \t\r\n\v\f", &save); w; w = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		if (w[0] == '#')
			break;
		/* switchctl's options (-j, -s) say how switchctl talks to switchd: nothing here. */
		if (w[0] == '-')
			return conf_err(err, errlen,
					"options such as '%s' do not belong in a config file", w);
		if (argc == CONF_MAX_WORDS)
			return conf_err(err, errlen, "more than %d words", CONF_MAX_WORDS);
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	if (argc == 0)
		return 0;
	/* Other commands exist, but not for a file: say so before the grammar lists them. */
	if (!conf_command(argc, argv))
		return conf_err(err, errlen, CONF_ONLY);
	switch (cli_cmd_parse(argc, argv, &cmd, why, sizeof(why))) {
	case CLI_USAGE:
		return conf_err(err, errlen, "%s", why);
	case CLI_RUN:
		if (cmd.type == SWP_PORT_REMOTE_ADD || cmd.type == SWP_PORT_REMOTE_DEL)
			return conf_err(err, errlen, "in a file, a vxlan port's remotes go on its port add line "
						     "(remote IP[,IP...]); a reload applies the difference");
		if (cmd.type == SWP_PORT_ADD || cmd.type == SWP_SET || cmd.type == SWP_PORT_SET ||
		    cmd.type == SWP_MAC_ADD || cmd.type == SWP_MIRROR_ADD)
			break;
		/* fall through */
	default:
		return conf_err(err, errlen, CONF_ONLY);
	}
	if (cmd.type == SWP_PORT_SET)
		return conf_port_set(c, &cmd.body.port_set, lineno, err, errlen);
	if (cmd.type == SWP_MAC_ADD)
		return conf_mac_add(c, &cmd.body.mac, lineno, err, errlen);
	if (cmd.type == SWP_MIRROR_ADD)
		return conf_mirror_add(c, &cmd.body.mirror, lineno, err, errlen);

	if (cmd.type == SWP_SET) {
		const struct swp_setting *s = swp_setting_by_key(cmd.body.set.key);

		if (c->set_line[s->key])
			return conf_err(err, errlen, "%s is already set on line %u", s->name,
					c->set_line[s->key]);
		c->value[s->key] = cmd.body.set.value;
		c->set_line[s->key] = lineno;
		return 0;
	}

	{
		struct conf_port *p;
		const struct conf_port *dup;

		/* The grammar checked that the name fits, with its NUL. */
		dup = conf_port_find(c, cmd.body.port.name);
		if (dup)
			return conf_err(err, errlen, "port %s is already added on line %u", dup->name,
					dup->line);
		if (c->nports >= SWITCHD_PORTS_MAX)
			return conf_err(err, errlen, "more than %u ports", SWITCHD_PORTS_MAX);
		p = realloc(c->ports, (c->nports + 1) * sizeof(*c->ports));
		if (!p)
			return conf_err(err, errlen, "out of memory");
		c->ports = p;
		p = &c->ports[c->nports++];
		memset(p, 0, sizeof(*p));
		memcpy(p->name, cmd.body.port.name, SWP_NAME_MAX);
		p->cmd = cmd;
		p->line = lineno;
	}
	return 0;
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	char *line = NULL, why[256];
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t n;
	FILE *f;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	if (!c->path)
		return conf_err(err, errlen, "%s: out of memory", path);
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (strlen(line) != (size_t)n) {
			rc = conf_err(err, errlen, "%s:%u: a NUL byte in the line", path, lineno);
			break;
		}
		if (conf_line(c, line, lineno, why, sizeof(why)) < 0) {
			rc = conf_err(err, errlen, "%s:%u: %s", path, lineno, why);
			break;
		}
	}
	if (!rc && ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	free(line);
	fclose(f);
	return rc;
}

void conf_free(struct conf *c)
{
	free(c->path);
	free(c->ports);
	free(c->macs);
	free(c->mirrors);
	memset(c, 0, sizeof(*c));
}

/* The same port, as a reload sees it: a vxlan port's remotes change in place (conf_port_remotes). */
static bool conf_same_request(const struct conf_port *a, const struct conf_port *b)
{
	struct swp_port_req x = a->cmd.body.port, y = b->cmd.body.port;

	if (a->cmd.type != b->cmd.type || a->cmd.blen != b->cmd.blen)
		return false;
	if (a->cmd.type != SWP_PORT_ADD)
		return !memcmp(&a->cmd.body, &b->cmd.body, a->cmd.blen);
	memset(x.vx.remotes, 0, sizeof(x.vx.remotes));
	memset(y.vx.remotes, 0, sizeof(y.vx.remotes));
	return !memcmp(&x, &y, sizeof(x));
}

size_t conf_plan(const struct conf *old, const struct conf *next,
		 enum conf_port_state (*state)(void *ctx, const char *name), void *ctx,
		 struct conf_step *steps)
{
	size_t n = 0;

	for (uint32_t i = 0; i < next->nports; i++) {
		const struct conf_port *np = &next->ports[i], *op = conf_port_find(old, np->name);
		struct conf_step *s = &steps[n++];

		s->old = op;
		s->new = np;
		switch (state(ctx, np->name)) {
		case CONF_PORT_ABSENT:
			s->action = CONF_ADD;
			break;
		case CONF_PORT_RUNTIME:
			s->action = CONF_RUNTIME;
			break;
		case CONF_PORT_OWNED:
			s->action = op && conf_same_request(op, np) ? CONF_KEEP : CONF_RECREATE;
			break;
		}
	}
	for (uint32_t i = 0; i < old->nports; i++) {
		const struct conf_port *op = &old->ports[i];

		if (!conf_port_find(next, op->name) && state(ctx, op->name) == CONF_PORT_OWNED)
			steps[n++] = (struct conf_step){ .action = CONF_DEL, .old = op };
	}
	return n;
}

uint64_t conf_base_value(const struct sw_config *base, uint32_t key)
{
	return sw_config_setting(base, key);
}

bool conf_setting_target(const struct conf *old, const struct conf *next,
			 const struct sw_config *base, uint32_t key, uint64_t *value)
{
	if (next->set_line[key]) {
		*value = next->value[key];
		return true;
	}
	if (old->set_line[key]) {
		*value = conf_base_value(base, key);
		return true;
	}
	return false;
}

/* ---- applying: every change is a request through cmd_handle, as switchctl's would be ---- */

static int conf_request(struct daemon *d, const struct cli_cmd *cmd, char *why, size_t len)
{
	static struct ctl_conn cn; /* replies to nobody: only the status counts */
	struct ctl_reply r = { .conn = &cn };
	const struct swp_hdr hdr = {
		.version = SWP_VERSION,
		.type = cmd->type,
		.len = (uint32_t)(sizeof(hdr) + cmd->blen),
	};

	cn.peer.config = true; /* logged as such, not as a client */

	cmd_handle(d, &hdr, &cmd->body, &r);
	ctl_conn_fini(&cn);
	if (r.status)
		snprintf(why, len, "%s", r.msg[0] ? r.msg : strerror(-r.status));
	return r.status;
}

static int conf_port_setting(struct daemon *d, const char *name, uint32_t key, uint64_t value,
			     const struct swp_vlan *vlan, char *why, size_t len)
{
	struct cli_cmd cmd = { .type = SWP_PORT_SET, .blen = sizeof(struct swp_port_set_req) };

	swp_set_name(cmd.body.port_set.name, name);
	cmd.body.port_set.key = key;
	cmd.body.port_set.value = value;
	if (vlan)
		cmd.body.port_set.vlan = *vlan;
	return conf_request(d, &cmd, why, len);
}

/* The VLAN mode as the file has it, as conf_port_settings does the others: 1 when it changed. */
static unsigned conf_port_vlan(struct daemon *d, const struct conf_port *old, const struct conf_port *cp,
			       const struct port *p)
{
	static const struct swp_vlan def;
	const struct swp_vlan *want = &def;
	char why[SWP_ERR_MAX];

	if (cp->vlan_line)
		want = &cp->vlan;
	else if (!old || !old->vlan_line)
		return 0;
	if (!memcmp(&p->vcfg, want, sizeof(*want)))
		return 0;
	if (conf_port_setting(d, cp->name, SWP_PSET_VLAN, 0, want, why, sizeof(why))) {
		log_err("port %s: vlan: %s", cp->name, why);
		return 0;
	}
	return 1;
}

/*
 * A port's settings as the file has them: those it sets, and, on a port an
 * earlier load (old, may be NULL) set up, the default back where the file no
 * longer sets one. A setting the file never set is left as it is. Returns
 * how many changed.
 */
static unsigned conf_port_settings(struct daemon *d, const struct conf_port *old, const struct conf_port *cp)
{
	const struct swp_port_setting *s;
	struct port *p = sw_port_by_name(&d->sw, cp->name);
	char why[SWP_ERR_MAX];
	unsigned changed = 0;

	for (size_t i = 0; p && (s = swp_port_setting_at(i)); i++) {
		uint64_t want = s->def;

		if (s->vlan) {
			changed += conf_port_vlan(d, old, cp, p);
			continue;
		}
		if (cp->pset_line[s->key])
			want = cp->pset[s->key];
		else if (!old || !old->pset_line[s->key])
			continue;
		if (sw_port_setting(&d->sw, p, s->key) == want)
			continue;
		/* Checked when the file was read: a failure would be a bug. */
		if (conf_port_setting(d, cp->name, s->key, want, NULL, why, sizeof(why)))
			log_err("port %s: %s: %s", cp->name, s->name, why);
		else
			changed++;
	}
	return changed;
}

/* One remote added to (or deleted from) a port, as port set NAME remote add|del would: 1 when done. */
static unsigned conf_remote_request(struct daemon *d, const char *name, uint16_t type, const char *addr)
{
	struct cli_cmd cmd = { .type = type, .blen = sizeof(struct swp_port_req) };
	char why[SWP_ERR_MAX];

	swp_set_name(cmd.body.port.name, name);
	snprintf(cmd.body.port.vx.remotes, sizeof(cmd.body.port.vx.remotes), "%s", addr);
	if (!conf_request(d, &cmd, why, sizeof(why)))
		return 1;
	log_err("port %s: remote %s %s: %s", name, type == SWP_PORT_REMOTE_ADD ? "add" : "del", addr, why);
	return 0;
}

/*
 * A vxlan port's flood list as the file has it now: remotes it no longer
 * names go, new ones come; the others, and traffic to them, are not touched.
 * Returns how many changed.
 */
static unsigned conf_port_remotes(struct daemon *d, const struct conf_port *cp)
{
	struct port *p = sw_port_by_name(&d->sw, cp->name);
	char want[SWP_REMOTES_LEN], *save = NULL;
	struct swp_vxlan have;
	unsigned changed = 0;

	if (!p || !p->vx)
		return 0;
	port_vxlan_info(p, &have);
	/* Those to delete: running, not in the file. */
	for (char *a = strtok_r(have.remotes, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		bool keep = false;
		char list[SWP_REMOTES_LEN], *s2 = NULL;

		snprintf(list, sizeof(list), "%s", cp->cmd.body.port.vx.remotes);
		for (char *b = strtok_r(list, ",", &s2); b && !keep; b = strtok_r(NULL, ",", &s2)) {
			struct nl_addr x, y;

			keep = !nl_addr_parse(a, &x) && !nl_addr_parse(b, &y) && nl_addr_eq(&x, &y);
		}
		if (!keep)
			changed += conf_remote_request(d, cp->name, SWP_PORT_REMOTE_DEL, a);
	}
	snprintf(want, sizeof(want), "%s", cp->cmd.body.port.vx.remotes);
	save = NULL;
	for (char *a = strtok_r(want, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		if (!port_vxlan_has_remote(p, a))
			changed += conf_remote_request(d, cp->name, SWP_PORT_REMOTE_ADD, a);
	}
	return changed;
}

static int conf_add(struct daemon *d, const struct conf *c, const struct conf_port *cp, char *err,
		    size_t errlen)
{
	char why[SWP_ERR_MAX];
	struct port *p;
	int rc = conf_request(d, &cp->cmd, why, sizeof(why));

	if (rc) {
		snprintf(err, errlen, "%s:%u: %s", c->path, cp->line, why);
		return rc;
	}
	if ((p = sw_port_by_name(&d->sw, cp->name)))
		p->conf = true;
	conf_port_settings(d, NULL, cp);
	return 0;
}

/* A `mac add` line applied: 0, or the error with its file:line in err. */
static int conf_mac_apply(struct daemon *d, const struct conf *c, const struct conf_mac *m, char *err,
			  size_t errlen)
{
	struct cli_cmd cmd = { .type = SWP_MAC_ADD, .blen = sizeof(struct swp_mac_req) };
	char why[SWP_ERR_MAX];
	int rc;

	cmd.body.mac = m->req;
	rc = conf_request(d, &cmd, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s:%u: %s", c->path, m->line, why);
	return rc;
}

/*
 * The static MACs of a reload: those the old file added and the new one no
 * longer does (or puts on another port) go; those of the new file that are
 * new, or whose port was just added or re-created, are added. Returns the
 * number added and removed in *plus and *minus.
 */
static void conf_macs_reload(struct daemon *d, const struct conf *old, const struct conf *next,
			     const struct conf_step *steps, size_t nsteps, unsigned *plus, unsigned *minus)
{
	char err[512];

	for (uint32_t i = 0; i < old->nmacs; i++) {
		const struct swp_mac_req *o = &old->macs[i].req;
		const struct conf_mac *n = conf_mac_find(next, o->mac, o->vlan);
		const struct fdb_entry *e = fdb_find(&d->sw.fdb, o->mac, o->vlan);

		if (n && !strcmp(n->req.port, o->port))
			continue;
		/* Only the file's own entry: not one a switchctl mac add put there since. */
		if (e && e->is_static && !strcmp(d->sw.slots[e->port]->name, o->port) &&
		    !sw_mac_del(&d->sw, o->mac, o->vlan))
			(*minus)++;
	}
	for (uint32_t i = 0; i < next->nmacs; i++) {
		const struct conf_mac *m = &next->macs[i];
		const struct conf_mac *o = conf_mac_find(old, m->req.mac, m->req.vlan);
		bool port_new = false;

		for (size_t k = 0; k < nsteps; k++)
			if ((steps[k].action == CONF_ADD || steps[k].action == CONF_RECREATE) &&
			    !strcmp(steps[k].new->name, m->req.port))
				port_new = true;
		if (o && !strcmp(o->req.port, m->req.port) && !port_new)
			continue;
		if (conf_mac_apply(d, next, m, err, sizeof(err)))
			log_err("reload: %s", err);
		else
			(*plus)++;
	}
}

/* A `mirror add` line applied: 0, or the error with its file:line in err. */
static int conf_mirror_apply(struct daemon *d, const struct conf *c, const struct conf_mirror *m, char *err,
			     size_t errlen)
{
	struct cli_cmd cmd = { .type = SWP_MIRROR_ADD, .blen = sizeof(struct swp_mirror) };
	char why[SWP_ERR_MAX];
	int rc;

	cmd.body.mirror = m->req;
	rc = conf_request(d, &cmd, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s:%u: %s", c->path, m->line, why);
	return rc;
}

/*
 * The mirrors of a reload: the file's own mirrors whose line changed or went
 * are deleted; those of the new file that do not run (new, changed, or gone
 * with a port the reload removed or re-created) are added. A mirror
 * switchctl added under a name the file uses is left alone.
 */
static void conf_mirrors_reload(struct daemon *d, const struct conf *old, const struct conf *next, unsigned *plus,
				unsigned *minus)
{
	char err[512];

	for (uint32_t i = 0; i < old->nmirrors; i++) {
		const struct conf_mirror *o = &old->mirrors[i], *n = conf_mirror_find(next, o->req.name);
		const struct mirror *m = mirror_find(&d->mirrors, o->req.name);

		if (!m || !m->conf || (n && !memcmp(&n->req, &o->req, sizeof(o->req))))
			continue;
		mirror_del(&d->mirrors, o->req.name);
		log_info("reload: mirror %s removed: %s", o->req.name,
			 n ? "its line changed" : "no longer in the configuration file");
		(*minus)++;
	}
	for (uint32_t i = 0; i < next->nmirrors; i++) {
		const struct conf_mirror *n = &next->mirrors[i];
		const struct mirror *m = mirror_find(&d->mirrors, n->req.name);

		if (m && !m->conf)
			log_warn("reload: %s:%u: mirror %s was added by switchctl, not by the file: left as it is",
				 next->path, n->line, n->req.name);
		if (m)
			continue;
		if (conf_mirror_apply(d, next, n, err, sizeof(err)))
			log_err("reload: %s", err);
		else
			(*plus)++;
	}
}

static void conf_remove(struct daemon *d, const char *name, const char *why)
{
	struct port *p = sw_port_by_name(&d->sw, name);

	if (p)
		sw_port_remove(&d->sw, p, why);
}

static int conf_set(struct daemon *d, uint32_t key, uint64_t value, char *why, size_t len)
{
	struct cli_cmd cmd = { .type = SWP_SET, .blen = sizeof(struct swp_set_req) };

	cmd.body.set.key = key;
	cmd.body.set.value = value;
	return conf_request(d, &cmd, why, len);
}

int conf_start(struct daemon *d, const char *path)
{
	char err[512], why[SWP_ERR_MAX];
	unsigned nset = 0;
	int rc;

	rc = conf_load(&d->conf, path, err, sizeof(err));
	if (rc) {
		log_err("%s", err);
		return rc;
	}
	/* Settings first: the ports then start under them. */
	for (uint32_t k = 1; k <= SWP_SET_KEY_MAX; k++) {
		if (!d->conf.set_line[k])
			continue;
		rc = conf_set(d, k, d->conf.value[k], why, sizeof(why));
		if (rc) {
			log_err("%s:%u: %s", path, d->conf.set_line[k], why);
			return rc;
		}
		nset++;
	}
	for (uint32_t i = 0; i < d->conf.nports; i++) {
		rc = conf_add(d, &d->conf, &d->conf.ports[i], err, sizeof(err));
		if (rc) {
			log_err("%s", err);
			/* Nothing of the file stays behind: TAPs it created go with their ports. */
			while (i-- > 0)
				conf_remove(d, d->conf.ports[i].name, "configuration file failed");
			return rc;
		}
	}
	for (uint32_t i = 0; i < d->conf.nmacs; i++) {
		rc = conf_mac_apply(d, &d->conf, &d->conf.macs[i], err, sizeof(err));
		if (rc) {
			log_err("%s", err);
			/* The ports go, and their static entries with them. */
			for (uint32_t k = d->conf.nports; k-- > 0;)
				conf_remove(d, d->conf.ports[k].name, "configuration file failed");
			return rc;
		}
	}
	for (uint32_t i = 0; i < d->conf.nmirrors; i++) {
		rc = conf_mirror_apply(d, &d->conf, &d->conf.mirrors[i], err, sizeof(err));
		if (rc) {
			log_err("%s", err);
			/* The ports go, and their mirrors with them. */
			for (uint32_t k = d->conf.nports; k-- > 0;)
				conf_remove(d, d->conf.ports[k].name, "configuration file failed");
			return rc;
		}
	}
	log_info("configuration %s: %u ports, %u settings, %u static MACs, %u mirrors", path, d->conf.nports,
		 nset, d->conf.nmacs, d->conf.nmirrors);
	return 0;
}

static enum conf_port_state conf_state(void *ctx, const char *name)
{
	struct daemon *d = ctx;
	const struct port *p = sw_port_by_name(&d->sw, name);

	if (!p)
		return CONF_PORT_ABSENT;
	return p->conf ? CONF_PORT_OWNED : CONF_PORT_RUNTIME;
}

/* Puts back what a failed reload did so far, newest first. */
static void conf_undo(struct daemon *d, const struct conf_step *steps, const size_t *done, size_t ndone)
{
	char err[512];

	while (ndone-- > 0) {
		const struct conf_step *s = &steps[done[ndone]];

		conf_remove(d, s->new->name, "reload failed, undone");
		if (s->action == CONF_RECREATE && conf_add(d, &d->conf, s->old, err, sizeof(err)))
			log_err("reload: cannot put back port %s as it was: %s", s->old->name, err);
	}
}

static void conf_summary(char *buf, size_t len, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void conf_summary(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	if (*at)
		*at += (size_t)snprintf(buf + *at, len - *at, ", ");
	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

/*
 * New ports are added first and changed ones re-created next, the only steps
 * that can fail: when one does, those done are undone and nothing else has
 * been touched yet. Removals and settings cannot fail.
 */
void conf_reload(struct daemon *d)
{
	char err[512], why[SWP_ERR_MAX], sum[512];
	struct conf next;
	struct conf_step *steps = NULL;
	size_t *done = NULL, nsteps, ndone = 0, at = 0;
	unsigned added = 0, removed = 0, recreated = 0, psets = 0, mplus = 0, mminus = 0, rplus = 0, rminus = 0;
	static const enum conf_action passes[] = { CONF_ADD, CONF_RECREATE };

	memset(&next, 0, sizeof(next));
	if (!d->opts.conf) {
		log_info("SIGHUP: nothing to reload (switchd runs without -c)");
		return;
	}
	if (conf_load(&next, d->opts.conf, err, sizeof(err)) < 0) {
		log_err("reload: %s: nothing changed", err);
		goto out;
	}
	steps = calloc((size_t)d->conf.nports + next.nports + 1, sizeof(*steps));
	done = calloc((size_t)d->conf.nports + next.nports + 1, sizeof(*done));
	if (!steps || !done) {
		log_err("reload: out of memory: nothing changed");
		goto out;
	}
	nsteps = conf_plan(&d->conf, &next, conf_state, d, steps);

	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nsteps; i++) {
			const struct conf_step *s = &steps[i];

			if (s->action != passes[pass])
				continue;
			if (s->action == CONF_RECREATE)
				conf_remove(d, s->new->name, "its line in the configuration file changed");
			if (conf_add(d, &next, s->new, err, sizeof(err))) {
				if (s->action == CONF_RECREATE) {
					char err2[512];

					if (conf_add(d, &d->conf, s->old, err2, sizeof(err2)))
						log_err("reload: cannot put back port %s as it was: %s",
							s->old->name, err2);
				}
				conf_undo(d, steps, done, ndone);
				log_err("reload: %s: nothing changed", err);
				goto out;
			}
			done[ndone++] = i;
			if (s->action == CONF_ADD)
				added++;
			else
				recreated++;
		}
	}
	for (size_t i = 0; i < nsteps; i++) {
		const struct conf_step *s = &steps[i];

		if (s->action == CONF_DEL) {
			conf_remove(d, s->old->name, "no longer in the configuration file");
			removed++;
		} else if (s->action == CONF_KEEP) {
			psets += conf_port_settings(d, s->old, s->new);
			psets += conf_port_remotes(d, s->new);
		} else if (s->action == CONF_RUNTIME) {
			log_warn("reload: %s:%u: port %s was added by switchctl, not by the file: "
				 "left as it is",
				 next.path, s->new->line, s->new->name);
		}
	}

	conf_macs_reload(d, &d->conf, &next, steps, nsteps, &mplus, &mminus);
	conf_mirrors_reload(d, &d->conf, &next, &rplus, &rminus);

	sum[0] = '\0';
	if (psets)
		conf_summary(sum, sizeof(sum), &at, "%u port setting%s", psets, psets == 1 ? "" : "s");
	if (mplus)
		conf_summary(sum, sizeof(sum), &at, "+%u static MAC%s", mplus, mplus == 1 ? "" : "s");
	if (mminus)
		conf_summary(sum, sizeof(sum), &at, "-%u static MAC%s", mminus, mminus == 1 ? "" : "s");
	if (rplus)
		conf_summary(sum, sizeof(sum), &at, "+%u mirror%s", rplus, rplus == 1 ? "" : "s");
	if (rminus)
		conf_summary(sum, sizeof(sum), &at, "-%u mirror%s", rminus, rminus == 1 ? "" : "s");
	if (added)
		conf_summary(sum, sizeof(sum), &at, "+%u port%s", added, added == 1 ? "" : "s");
	if (removed)
		conf_summary(sum, sizeof(sum), &at, "-%u port%s", removed, removed == 1 ? "" : "s");
	if (recreated)
		conf_summary(sum, sizeof(sum), &at, "%u port%s re-created", recreated,
			     recreated == 1 ? "" : "s");
	for (uint32_t k = 1; k <= SWP_SET_KEY_MAX; k++) {
		uint64_t want, was = sw_setting(&d->sw, k);

		if (!conf_setting_target(&d->conf, &next, &d->opts.sw, k, &want) || want == was)
			continue;
		if (conf_set(d, k, want, why, sizeof(why))) {
			/* Checked when the file was read: this would be a bug. */
			log_err("reload: set %s: %s", swp_setting_by_key(k)->name, why);
			continue;
		}
		conf_summary(sum, sizeof(sum), &at, "%s %llu -> %llu", swp_setting_by_key(k)->name,
			     (unsigned long long)was, (unsigned long long)want);
	}
	log_info("reload: %s", sum[0] ? sum : "nothing changed");
	/* What this load applied is what the next reload compares against. */
	conf_free(&d->conf);
	d->conf = next;
	memset(&next, 0, sizeof(next));
out:
	conf_free(&next);
	free(steps);
	free(done);
}
