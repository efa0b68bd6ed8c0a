/* The command grammar shared by switchctl and the configuration file (include/switchd/cmdline.h). */
#include "switchd/cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switchd/defaults.h"

static enum cli_parse_result usage_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cli_parse_result usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

static bool parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *v);
static bool parse_owner(const char *s, struct swp_port_req *req);
static bool addr_list_ok(const char *s, int max);

/* What follows "port add NAME": keyword-value pairs, each at most once, in any order. */
static enum cli_parse_result parse_port_add(int argc, char *const *argv, struct swp_port_req *req, char *err,
					    size_t errlen)
{
	bool typed = false;

	for (int i = 0; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(key, "type") && !typed) {
			if (!val)
				return usage_err(err, errlen, "port add: type needs tap, afpacket, stream, dgram or vxlan");
			if (swp_type_by_name(val, &req->type) < 0)
				return usage_err(err, errlen,
						 "port add: unknown type '%s' (tap, afpacket, stream, dgram, vxlan)",
						 val);
			typed = true;
		} else if (!strcmp(key, "netns") && !req->netns[0]) {
			/* The daemon resolves the path: its working directory is not ours. */
			if (!val || !val[0] || (strchr(val, '/') && val[0] != '/') ||
			    strlen(val) >= SWP_PATH_MAX)
				return usage_err(err, errlen,
						 "port add: netns needs a name under %s or an absolute path "
						 "(at most %d bytes)",
						 SWITCHD_NETNS_DIR, SWP_PATH_MAX - 1);
			memcpy(req->netns, val, strlen(val) + 1);
		} else if (!strcmp(key, "path") && !req->path[0]) {
			/* The daemon opens it: its working directory is not ours. */
			if (!val || val[0] != '/' || strlen(val) >= SWP_PATH_MAX)
				return usage_err(err, errlen,
						 "port add: path needs an absolute path (at most %d bytes)",
						 SWP_PATH_MAX - 1);
			memcpy(req->path, val, strlen(val) + 1);
		} else if (!strcmp(key, "owner") && !(req->flags & (SWP_PORT_F_UID | SWP_PORT_F_GID))) {
			if (!val || !parse_owner(val, req))
				return usage_err(err, errlen,
						 "port add: owner needs USER, USER:GROUP or :GROUP (names on this "
						 "host, or numbers), not '%s'",
						 val ? val : "");
		} else if (!strcmp(key, "mode") && !(req->flags & SWP_PORT_F_MODE)) {
			char *end;
			unsigned long m;

			errno = 0;
			m = val ? strtoul(val, &end, 8) : 0;
			if (!val || val[0] < '0' || val[0] > '7' || *end || errno || m > 0777)
				return usage_err(err, errlen,
						 "port add: mode needs octal permission bits such as 0660, not '%s'",
						 val ? val : "");
			req->mode = (uint32_t)m;
			req->flags |= SWP_PORT_F_MODE;
		} else if (!strcmp(key, "peer") && !req->peer_path[0]) {
			/* The daemon sends there: its working directory is not ours. */
			if (!val || val[0] != '/' || strlen(val) >= SWP_PATH_MAX)
				return usage_err(err, errlen,
						 "port add: peer needs an absolute path (at most %d bytes)",
						 SWP_PATH_MAX - 1);
			memcpy(req->peer_path, val, strlen(val) + 1);
		} else if (!strcmp(key, "vni") && !req->vx.vni) {
			uint64_t v;

			if (!val || !parse_number(val, 1, 16777215, &v))
				return usage_err(err, errlen, "port add: vni needs a number in 1..16777215, not '%s'",
						 val ? val : "");
			req->vx.vni = (uint32_t)v;
		} else if (!strcmp(key, "dstport") && !req->vx.dstport) {
			uint64_t v;

			if (!val || !parse_number(val, 1, 65535, &v))
				return usage_err(err, errlen, "port add: dstport needs a UDP port in 1..65535, not '%s'",
						 val ? val : "");
			req->vx.dstport = (uint32_t)v;
		} else if (!strcmp(key, "mtu") && !req->mtu) {
			uint64_t v;

			if (!val || !parse_number(val, 68, 65535, &v))
				return usage_err(err, errlen, "port add: mtu needs a number in 68..65535, not '%s'",
						 val ? val : "");
			req->mtu = (uint32_t)v;
		} else if (!strcmp(key, "remote") && !req->vx.remotes[0]) {
			if (!val || !addr_list_ok(val, SWP_REMOTES_MAX) || strlen(val) >= SWP_REMOTES_LEN)
				return usage_err(err, errlen,
						 "port add: remote needs IP[,IP...] (at most %d IPv4 or IPv6 addresses), "
						 "not '%s'",
						 SWP_REMOTES_MAX, val ? val : "");
			memcpy(req->vx.remotes, val, strlen(val) + 1);
		} else if ((!strcmp(key, "local") && !req->vx.local[0]) || (!strcmp(key, "group") && !req->vx.group[0])) {
			char *dst = key[0] == 'l' ? req->vx.local : req->vx.group;

			if (!val || !addr_list_ok(val, 1))
				return usage_err(err, errlen, "port add: %s needs an IPv4 or IPv6 address, not '%s'", key,
						 val ? val : "");
			memcpy(dst, val, strlen(val) + 1);
		} else if (!strcmp(key, "dev") && !req->vx.dev[0]) {
			if (!val || !val[0] || swp_set_name(req->vx.dev, val) < 0)
				return usage_err(err, errlen, "port add: dev needs an interface name (at most %d bytes)",
						 SWP_NAME_MAX - 1);
		} else if (!strcmp(key, "ifname") && !req->peer[0]) {
			if (!val || !val[0] || swp_set_name(req->peer, val) < 0)
				return usage_err(
					err, errlen,
					"port add: ifname needs an interface name (at most %d bytes)",
					SWP_NAME_MAX - 1);
		} else {
			return usage_err(err, errlen, "port add: unexpected argument '%s'", key);
		}
	}
	bool sock = req->type == SWP_PORT_STREAM || req->type == SWP_PORT_DGRAM;

	if (req->peer[0] && !req->netns[0])
		return usage_err(err, errlen, "port add: ifname only goes with netns");
	if (req->netns[0] && req->type == SWP_PORT_TAP)
		return usage_err(err, errlen, "port add: with netns the port is a veth, not a TAP");
	if (req->netns[0] && sock)
		return usage_err(err, errlen, "port add: a %s port has no netns", swp_type_name(req->type));
	if (req->path[0] && !sock)
		return usage_err(err, errlen, "port add: path only goes with type stream or dgram");
	if ((req->flags & (SWP_PORT_F_UID | SWP_PORT_F_GID | SWP_PORT_F_MODE)) && !sock)
		return usage_err(err, errlen, "port add: owner and mode only go with type stream or dgram");
	if (req->peer_path[0] && req->type != SWP_PORT_DGRAM)
		return usage_err(err, errlen, "port add: peer only goes with type dgram");
	if (req->mtu && !req->netns[0])
		return usage_err(err, errlen, "port add: mtu only goes with netns (the veth pair's MTU)");
	bool vx = req->vx.vni || req->vx.dstport || req->vx.remotes[0] || req->vx.local[0] || req->vx.group[0] ||
		  req->vx.dev[0];

	if (req->type == SWP_PORT_VXLAN && !req->vx.vni)
		return usage_err(err, errlen, "port add: type vxlan needs vni VNI");
	if (req->type == SWP_PORT_VXLAN && req->netns[0])
		return usage_err(err, errlen, "port add: a vxlan port has no netns");
	if (vx && req->type != SWP_PORT_VXLAN)
		return usage_err(err, errlen, "port add: vni, remote, local, dstport, group and dev only go with type vxlan");
	return CLI_RUN;
}

/*
 * At most max comma-separated addresses, each an IPv4 or IPv6 address as
 * text: what inet_pton takes (checked by switchd, which parses them).
 */
static bool addr_list_ok(const char *s, int max)
{
	int n = 0;

	for (const char *c = s;; c++) {
		size_t len = strcspn(c, ",");

		if (!len || len >= SWP_ADDR_MAX || ++n > max)
			return false;
		for (size_t i = 0; i < len; i++)
			if (!isxdigit((unsigned char)c[i]) && c[i] != '.' && c[i] != ':')
				return false;
		c += len;
		if (!*c)
			return true;
	}
}

/* Digits only, in min..max: strtoull would take a sign, spaces and wrap "-1" around. */
static bool parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || n < min || n > max)
		return false;
	*v = n;
	return true;
}

/* A user or a group by name or number: the numbers on the wire (switchctl and switchd share the host). */
static bool parse_id(const char *s, bool group, uint32_t *id)
{
	uint64_t n;

	if (parse_number(s, 0, UINT32_MAX - 1, &n)) {
		*id = (uint32_t)n;
		return true;
	}
	if (group) {
		const struct group *g = getgrnam(s);

		if (g)
			*id = (uint32_t)g->gr_gid;
		return g;
	}
	const struct passwd *pw = getpwnam(s);

	if (pw)
		*id = (uint32_t)pw->pw_uid;
	return pw;
}

/* USER, USER:GROUP or :GROUP. */
static bool parse_owner(const char *s, struct swp_port_req *req)
{
	char user[256];
	const char *colon = strchr(s, ':');
	size_t ulen = colon ? (size_t)(colon - s) : strlen(s);

	if (ulen >= sizeof(user) || (!ulen && !colon) || (colon && !colon[1]))
		return false;
	memcpy(user, s, ulen);
	user[ulen] = '\0';
	if (ulen) {
		if (!parse_id(user, false, &req->uid))
			return false;
		req->flags |= SWP_PORT_F_UID;
	}
	if (colon) {
		if (!parse_id(colon + 1, true, &req->gid))
			return false;
		req->flags |= SWP_PORT_F_GID;
	}
	return true;
}

/* "a, b, c": the names name_at(0), name_at(1), ... gives until NULL. */
static const char *names_list(char *buf, size_t len, const char *(*name_at)(size_t i))
{
	const char *name;
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; (name = name_at(i)) && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", name);
	return buf;
}

static const char *port_setting_name_at(size_t i)
{
	const struct swp_port_setting *s = swp_port_setting_at(i);

	return s ? s->name : NULL;
}

static const char *setting_name_at(size_t i)
{
	const struct swp_setting *s = swp_setting_at(i);

	return s ? s->name : NULL;
}

/* "learning, flood, ...": the port settings' names, from their table. */
static const char *port_setting_names(char *buf, size_t len)
{
	return names_list(buf, len, port_setting_name_at);
}

/* "10,20-30": VIDs 1..4094 into v's map. False when malformed. */
static bool parse_vlan_list(const char *s, struct swp_vlan *v)
{
	while (*s) {
		uint64_t lo, hi;
		char num[8];
		size_t n = strcspn(s, "-,");

		if (!n || n >= sizeof(num))
			return false;
		memcpy(num, s, n);
		num[n] = '\0';
		if (!parse_number(num, 1, SWP_VLAN_VID_MAX, &lo))
			return false;
		hi = lo;
		s += n;
		if (*s == '-') {
			n = strcspn(++s, "-,");
			if (!n || n >= sizeof(num))
				return false;
			memcpy(num, s, n);
			num[n] = '\0';
			if (!parse_number(num, lo, SWP_VLAN_VID_MAX, &hi) || s[n] == '-')
				return false;
			s += n;
		}
		for (uint64_t vid = lo; vid <= hi; vid++)
			v->vlans[vid / 64] |= 1ull << (vid % 64);
		if (*s == ',' && !*++s)
			return false;
	}
	return true;
}

/* port set NAME vlan access VID | trunk LIST|all [native VID] | tunnel VID */
static enum cli_parse_result parse_port_vlan(const char *name, int argc, char *const *argv, struct swp_vlan *v,
					     char *err, size_t errlen)
{
	static const char usage[] = "access VID, trunk LIST|all [native VID], tunnel VID; VIDs in 1..4094";
	uint64_t vid;

	if (argc < 2)
		return usage_err(err, errlen, "port set %s vlan: missing mode (%s)", name, usage);
	if (!strcmp(argv[0], "access") || !strcmp(argv[0], "tunnel")) {
		v->mode = argv[0][0] == 'a' ? SWP_VLAN_ACCESS : SWP_VLAN_TUNNEL;
		if (!parse_number(argv[1], 1, SWP_VLAN_VID_MAX, &vid))
			return usage_err(err, errlen, "port set %s vlan %s: not a VLAN ID in 1..4094: '%s'", name,
					 argv[0], argv[1]);
		if (argc > 2)
			return usage_err(err, errlen, "port set %s vlan %s: unexpected argument '%s'", name,
					 argv[0], argv[2]);
		v->vid = (uint32_t)vid;
		return CLI_RUN;
	}
	if (strcmp(argv[0], "trunk"))
		return usage_err(err, errlen, "port set %s vlan: unknown mode '%s' (%s)", name, argv[0], usage);
	v->mode = SWP_VLAN_TRUNK;
	if (strcmp(argv[1], "all") && !parse_vlan_list(argv[1], v))
		return usage_err(err, errlen, "port set %s vlan trunk: not a list of VLAN IDs in 1..4094 "
				 "like 10,20-30, or all: '%s'", name, argv[1]);
	if (argc == 2)
		return CLI_RUN;
	if (strcmp(argv[2], "native") || argc < 4 || !parse_number(argv[3], 1, SWP_VLAN_VID_MAX, &vid))
		return usage_err(err, errlen, "port set %s vlan trunk %s: expected native VID (1..4094)", name,
				 argv[1]);
	if (argc > 4)
		return usage_err(err, errlen, "port set %s vlan trunk: unexpected argument '%s'", name, argv[4]);
	v->vid = (uint32_t)vid;
	return CLI_RUN;
}

/* port set NAME SETTING VALUE */
static enum cli_parse_result parse_port_set(int argc, char *const *argv, struct cli_cmd *cmd, char *err,
					    size_t errlen)
{
	struct swp_port_set_req *req = &cmd->body.port_set;
	const struct swp_port_setting *s;
	char names[256];

	cmd->type = SWP_PORT_SET;
	cmd->blen = sizeof(*req);
	if (argc < 1)
		return usage_err(err, errlen, "port set: missing interface name");
	if (!argv[0][0] || swp_set_name(req->name, argv[0]) < 0)
		return usage_err(err, errlen, "port set: invalid interface name '%s'", argv[0]);
	if (argc < 2)
		return usage_err(err, errlen, "port set %s: missing setting (%s)", argv[0],
				 port_setting_names(names, sizeof(names)));
	if (!strcmp(argv[1], "remote")) {
		struct swp_port_req *r = &cmd->body.port;

		memset(r, 0, sizeof(*r));
		swp_set_name(r->name, argv[0]);
		cmd->blen = sizeof(*r);
		if (argc < 3 || (strcmp(argv[2], "add") && strcmp(argv[2], "del")))
			return usage_err(err, errlen, "port set %s remote: add or del, then an address", argv[0]);
		cmd->type = argv[2][0] == 'a' ? SWP_PORT_REMOTE_ADD : SWP_PORT_REMOTE_DEL;
		if (argc < 4 || !addr_list_ok(argv[3], 1))
			return usage_err(err, errlen, "port set %s remote %s: needs an IPv4 or IPv6 address, not '%s'",
					 argv[0], argv[2], argc < 4 ? "" : argv[3]);
		if (argc > 4)
			return usage_err(err, errlen, "port set %s remote %s: unexpected argument '%s'", argv[0], argv[2],
					 argv[4]);
		memcpy(r->vx.remotes, argv[3], strlen(argv[3]) + 1);
		return CLI_RUN;
	}
	if (!(s = swp_port_setting_by_name(argv[1])))
		return usage_err(err, errlen, "port set %s: unknown setting '%s' (%s)", argv[0], argv[1],
				 port_setting_names(names, sizeof(names)));
	req->key = s->key;
	if (s->vlan)
		return parse_port_vlan(argv[0], argc - 2, argv + 2, &req->vlan, err, errlen);
	if (argc < 3)
		return usage_err(err, errlen, "port set %s %s: missing value (%s)", argv[0], s->name,
				 s->boolean ? "on or off" : "a number");
	if (argc > 3)
		return usage_err(err, errlen, "port set %s %s: unexpected argument '%s'", argv[0], s->name,
				 argv[3]);
	if (s->boolean && (!strcmp(argv[2], "on") || !strcmp(argv[2], "off")))
		req->value = !strcmp(argv[2], "on");
	else if (s->boolean)
		return usage_err(err, errlen, "port set %s %s: on or off, not '%s'", argv[0], s->name, argv[2]);
	else if (!parse_number(argv[2], s->min, s->max, &req->value))
		return usage_err(err, errlen, "port set %s %s: not a number in %llu..%llu: '%s'", argv[0],
				 s->name, (unsigned long long)s->min, (unsigned long long)s->max, argv[2]);
	return CLI_RUN;
}

static enum cli_parse_result parse_port(const char *obj, int argc, char *const *argv, struct cli_cmd *cmd,
					char *err, size_t errlen)
{
	(void)obj;
	const char *verb = argc > 0 ? argv[0] : "show";

	/* show and clear: of one port, or of all. */
	if (!strcmp(verb, "show") || !strcmp(verb, "list") || !strcmp(verb, "clear")) {
		const char *v = !strcmp(verb, "clear") ? "clear" : "show";

		if (argc > 2)
			return usage_err(err, errlen, "port %s: unexpected argument '%s'", v, argv[2]);
		if (argc == 2 && (!argv[1][0] || swp_set_name(cmd->body.port.name, argv[1]) < 0))
			return usage_err(err, errlen, "port %s: invalid interface name '%s'", v, argv[1]);
		cmd->type = v[0] == 'c' ? SWP_PORT_CLEAR : SWP_PORT_SHOW;
		cmd->blen = sizeof(cmd->body.port);
		return CLI_RUN;
	}
	if (!strcmp(verb, "set"))
		return parse_port_set(argc - 1, argv + 1, cmd, err, errlen);
	if (strcmp(verb, "add") && strcmp(verb, "del") && strcmp(verb, "delete"))
		return usage_err(err, errlen, "port: unknown command '%s' (add, del, set, show, clear)", verb);
	if (argc < 2)
		return usage_err(err, errlen, "port %s: missing interface name", verb);
	cmd->type = !strcmp(verb, "add") ? SWP_PORT_ADD : SWP_PORT_DEL;
	cmd->blen = sizeof(cmd->body.port);
	if (!argv[1][0] || swp_set_name(cmd->body.port.name, argv[1]) < 0)
		return usage_err(err, errlen, "port %s: invalid interface name '%s'", verb, argv[1]);
	cmd->body.port.type = SWP_PORT_AUTO;
	if (cmd->type == SWP_PORT_ADD)
		return parse_port_add(argc - 2, argv + 2, &cmd->body.port, err, errlen);
	if (argc > 2)
		return usage_err(err, errlen, "port %s: unexpected argument '%s'", verb, argv[2]);
	return CLI_RUN;
}

/*
 * aa:bb:cc:dd:ee:ff (hex digits, either case, one or two a byte): 0, or
 * -EINVAL; -EDOM for a group or all-zero address, which no entry has.
 */
static int parse_mac_addr(const char *s, uint8_t mac[6])
{
	uint8_t m[6] = { 0 };

	for (int i = 0; i < 6; i++) {
		int digits = 0;

		for (; digits < 3 && isxdigit((unsigned char)*s); digits++, s++)
			m[i] = (uint8_t)(m[i] << 4 | (isdigit((unsigned char)*s) ? *s - '0' : (*s | 0x20) - 'a' + 10));
		if (digits < 1 || digits > 2 || *s != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		s++;
	}
	if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return -EDOM;
	memcpy(mac, m, 6);
	return 0;
}

static enum cli_parse_result parse_mac(const char *obj, int argc, char *const *argv, struct cli_cmd *cmd,
				       char *err, size_t errlen)
{
	const char *verb = argc > 0 ? argv[0] : "show";
	struct swp_mac_req *req = &cmd->body.mac;
	bool mac_seen = false, may_port, may_mac;
	uint64_t vid;
	int rc;

	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		cmd->type = SWP_MAC_SHOW;
	else if (!strcmp(verb, "flush"))
		cmd->type = SWP_MAC_FLUSH;
	else if (!strcmp(verb, "add"))
		cmd->type = SWP_MAC_ADD;
	else if (!strcmp(verb, "del") || !strcmp(verb, "delete"))
		cmd->type = SWP_MAC_DEL;
	else
		return usage_err(err, errlen, "%s: unknown command '%s' (show, flush, add, del)", obj, verb);
	cmd->blen = sizeof(*req);
	may_port = cmd->type != SWP_MAC_DEL;
	may_mac = cmd->type != SWP_MAC_FLUSH;
	/* [MAC] [port NAME] [vlan VID], in any order. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "port") && may_port && !req->port[0]) {
			if (++i >= argc || !argv[i][0] || swp_set_name(req->port, argv[i]) < 0)
				return usage_err(err, errlen, "%s %s: port needs an interface name", obj, verb);
		} else if (!strcmp(argv[i], "vlan") && !(req->flags & SWP_MAC_F_VLAN)) {
			if (++i >= argc || !parse_number(argv[i], 0, 4095, &vid))
				return usage_err(err, errlen, "%s %s: vlan needs a VLAN ID in 0..4095 (0: untagged)",
						 obj, verb);
			req->vlan = (uint16_t)vid;
			req->flags |= SWP_MAC_F_VLAN;
		} else if (may_mac && !mac_seen && (rc = parse_mac_addr(argv[i], req->mac)) != -EINVAL) {
			if (rc == -EDOM)
				return usage_err(err, errlen,
						 "%s %s: %s is a group or all-zero address: never in the table",
						 obj, verb, argv[i]);
			mac_seen = true;
		} else {
			return usage_err(err, errlen, "%s %s: unexpected argument '%s'", obj, verb, argv[i]);
		}
	}
	if (!mac_seen && (cmd->type == SWP_MAC_ADD || cmd->type == SWP_MAC_DEL))
		return usage_err(err, errlen, "%s %s: missing MAC address", obj, verb);
	if (!req->port[0] && cmd->type == SWP_MAC_ADD)
		return usage_err(err, errlen, "%s add: missing port NAME", obj);
	return CLI_RUN;
}

/* "ageing, max-macs, ...": the settings' names, from their table. */
static const char *setting_names(char *buf, size_t len)
{
	return names_list(buf, len, setting_name_at);
}

static enum cli_parse_result parse_set(const char *obj, int argc, char *const *argv, struct cli_cmd *cmd,
				       char *err, size_t errlen)
{
	(void)obj;
	const struct swp_setting *s;
	uint64_t v;
	char names[256];

	if (argc < 1)
		return usage_err(err, errlen, "set: missing setting (%s)",
				 setting_names(names, sizeof(names)));
	if (!(s = swp_setting_by_name(argv[0])))
		return usage_err(err, errlen, "set: unknown setting '%s' (%s)", argv[0],
				 setting_names(names, sizeof(names)));
	if (argc < 2)
		return usage_err(err, errlen, "set %s: missing value", s->name);
	if (argc > 2)
		return usage_err(err, errlen, "set %s: unexpected argument '%s'", s->name, argv[2]);
	if (!parse_number(argv[1], s->min, s->max, &v))
		return usage_err(err, errlen, "set %s: not a number in %llu..%llu: '%s'", s->name,
				 (unsigned long long)s->min, (unsigned long long)s->max, argv[1]);
	cmd->type = SWP_SET;
	cmd->blen = sizeof(cmd->body.set);
	cmd->body.set.key = s->key;
	cmd->body.set.value = v;
	return CLI_RUN;
}

/* A mirror's name: printable, without spaces or commas, as the daemon checks it too. */
static bool mirror_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= SWP_MIRROR_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == ',')
			return false;
	return true;
}

/* "a,b": interface names, none empty. */
static bool port_list_ok(const char *s)
{
	if (!s[0] || strlen(s) >= SWP_MIRROR_FROM_MAX)
		return false;
	while (*s) {
		size_t n = strcspn(s, ",");

		if (!n || n >= SWP_NAME_MAX || (s[n] == ',' && !s[n + 1]))
			return false;
		s += n + (s[n] == ',');
	}
	return true;
}

/*
 * mirror add NAME from PORT[,PORT...] [in|out|both] to PORT
 * mirror del NAME
 * mirror show [NAME]
 */
static enum cli_parse_result parse_mirror(const char *obj, int argc, char *const *argv, struct cli_cmd *cmd,
					  char *err, size_t errlen)
{
	(void)obj;
	const char *verb = argc > 0 ? argv[0] : "show";
	struct swp_mirror *m = &cmd->body.mirror;
	static const char usage[] = "mirror add NAME from PORT[,PORT...] [in|out|both] to PORT";

	cmd->blen = sizeof(*m);
	if (!strcmp(verb, "show") || !strcmp(verb, "list")) {
		cmd->type = SWP_MIRROR_SHOW;
		if (argc > 2)
			return usage_err(err, errlen, "mirror show: unexpected argument '%s'", argv[2]);
	} else if (!strcmp(verb, "del") || !strcmp(verb, "delete")) {
		cmd->type = SWP_MIRROR_DEL;
		if (argc < 2)
			return usage_err(err, errlen, "mirror del: missing mirror name");
		if (argc > 2)
			return usage_err(err, errlen, "mirror del: unexpected argument '%s'", argv[2]);
	} else if (!strcmp(verb, "add")) {
		cmd->type = SWP_MIRROR_ADD;
		if (argc < 2)
			return usage_err(err, errlen, "mirror add: missing mirror name (%s)", usage);
	} else {
		return usage_err(err, errlen, "mirror: unknown command '%s' (add, del, show)", verb);
	}
	if (argc >= 2) {
		if (!mirror_name_ok(argv[1]))
			return usage_err(err, errlen,
					 "mirror %s: invalid mirror name '%s' (1 to %d printable bytes, no spaces or "
					 "commas)",
					 verb, argv[1], SWP_MIRROR_NAME_MAX - 1);
		memcpy(m->name, argv[1], strlen(argv[1]) + 1);
	}
	if (cmd->type != SWP_MIRROR_ADD)
		return CLI_RUN;
	/* from LIST, then optionally in|out|both, then to PORT. */
	int i = 2;

	if (i >= argc || strcmp(argv[i], "from"))
		return usage_err(err, errlen, "mirror add %s: expected 'from PORT[,PORT...]' (%s)", m->name, usage);
	if (++i >= argc || !port_list_ok(argv[i]))
		return usage_err(err, errlen, "mirror add %s: from needs port names, comma-separated: '%s'", m->name,
				 i < argc ? argv[i] : "");
	memcpy(m->from, argv[i], strlen(argv[i]) + 1);
	i++;
	if (i < argc && (!strcmp(argv[i], "in") || !strcmp(argv[i], "out") || !strcmp(argv[i], "both"))) {
		m->dir = argv[i][0] == 'i' ? SWP_MIRROR_IN : argv[i][0] == 'o' ? SWP_MIRROR_OUT : SWP_MIRROR_BOTH;
		i++;
	} else {
		m->dir = SWP_MIRROR_BOTH;
	}
	if (i >= argc || strcmp(argv[i], "to"))
		return usage_err(err, errlen, "mirror add %s: expected in, out, both or 'to PORT' after the sources (%s)",
				 m->name, usage);
	if (++i >= argc || !argv[i][0] || swp_set_name(m->to, argv[i]) < 0)
		return usage_err(err, errlen, "mirror add %s: to needs an interface name", m->name);
	if (++i < argc)
		return usage_err(err, errlen, "mirror add %s: unexpected argument '%s'", m->name, argv[i]);
	return CLI_RUN;
}

/* aa:bb:cc:dd:ee:ff, any address (a trace may ask about a group or zero source). */
static bool parse_mac_any(const char *s, uint8_t mac[6])
{
	int rc = parse_mac_addr(s, mac);
	unsigned v[6];
	char end;

	if (rc != -EDOM)
		return !rc;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

/* trace in PORT [src MAC] dst MAC [vlan VID] [type ETHERTYPE] */
static enum cli_parse_result parse_trace(const char *obj, int argc, char *const *argv, struct cli_cmd *cmd,
					 char *err, size_t errlen)
{
	(void)obj;
	static const char usage[] = "trace in PORT [src MAC] dst MAC [vlan VID] [type ETHERTYPE]";
	struct swp_trace_req *t = &cmd->body.trace;
	bool dst = false, typed = false;
	uint64_t v;

	cmd->type = SWP_TRACE;
	cmd->blen = sizeof(*t);
	if (argc < 2 || strcmp(argv[0], "in"))
		return usage_err(err, errlen, "trace: expected 'in PORT' (%s)", usage);
	if (!argv[1][0] || swp_set_name(t->port, argv[1]) < 0)
		return usage_err(err, errlen, "trace: invalid interface name '%s'", argv[1]);
	for (int i = 2; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return usage_err(err, errlen, "trace: %s needs a value (%s)", key, usage);
		if (!strcmp(key, "src") && !(t->flags & SWP_TRACE_F_SRC)) {
			if (!parse_mac_any(val, t->src))
				return usage_err(err, errlen, "trace: src: not a MAC address: '%s'", val);
			t->flags |= SWP_TRACE_F_SRC;
		} else if (!strcmp(key, "dst") && !dst) {
			if (!parse_mac_any(val, t->dst))
				return usage_err(err, errlen, "trace: dst: not a MAC address: '%s'", val);
			dst = true;
		} else if (!strcmp(key, "vlan") && !(t->flags & SWP_TRACE_F_VLAN)) {
			if (!parse_number(val, 0, 4095, &v))
				return usage_err(err, errlen, "trace: vlan needs a VLAN ID in 0..4095 (0: a priority tag)");
			t->vlan = (uint16_t)v;
			t->flags |= SWP_TRACE_F_VLAN;
		} else if (!strcmp(key, "type") && !typed) {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(val, &end, 16);
			if (!strcmp(val, "ipv4") || !strcmp(val, "arp") || !strcmp(val, "ipv6"))
				n = val[0] == 'a' ? 0x0806 : val[3] == '4' ? 0x0800 : 0x86dd;
			else if (strncmp(val, "0x", 2) || !val[2] || *end || errno || n > 0xffff || n < 0x600)
				return usage_err(err, errlen,
						 "trace: type needs an ethertype: 0x0600..0xffff (0x0800), ipv4, arp or "
						 "ipv6: '%s'",
						 val);
			t->type = (uint16_t)n;
			typed = true;
		} else {
			return usage_err(err, errlen, "trace: unexpected argument '%s' (%s)", key, usage);
		}
	}
	if (!dst)
		return usage_err(err, errlen, "trace: missing dst MAC (%s)", usage);
	return CLI_RUN;
}

/* A command of one word: status, monitor. */
static enum cli_parse_result parse_bare(const char *obj, int argc, char *const *argv, struct cli_cmd *cmd,
					char *err, size_t errlen)
{
	if (argc > 0)
		return usage_err(err, errlen, "%s: unexpected argument '%s'", obj, argv[0]);
	cmd->type = !strcmp(obj, "status") ? SWP_STATUS : SWP_MONITOR;
	return CLI_RUN;
}

/* The objects a command starts with, in the order an error lists them. */
static const struct {
	const char *name;
	enum cli_parse_result (*parse)(const char *obj, int argc, char *const *argv, struct cli_cmd *cmd,
				       char *err, size_t errlen);
} cmdline_objects[] = {
	{ "port", parse_port },	  { "mac", parse_mac }, { "fdb", parse_mac },
	{ "status", parse_bare }, { "set", parse_set }, { "monitor", parse_bare },
	{ "mirror", parse_mirror }, { "trace", parse_trace },
};

#define NOBJECTS (sizeof(cmdline_objects) / sizeof(cmdline_objects[0]))

/* What usage says of each form: a new command is a row here and one in cmdline_objects. */
static const struct cli_usage_row cmdline_usage[] = {
	{ "port add NAME [type tap|afpacket]", "attach an interface (a TAP is created if missing with type tap)" },
	{ "port add NAME netns NS [ifname IF] [mtu N]",
	  "create a veth pair: NAME here, IF (default " SWITCHD_NETNS_PEER ") in the network namespace NS (a "
	  "name under " SWITCHD_NETNS_DIR ", or a path like /proc/PID/ns/net), both of MTU N if given" },
	{ "port add NAME type stream [path PATH] [owner USER[:GROUP]] [mode OCTAL]",
	  "listen on a Unix socket for QEMU's stream netdev (default ports/NAME.sock beside the control "
	  "socket)" },
	{ "port add NAME type dgram [path PATH] [peer PEERPATH] [owner USER[:GROUP]] [mode OCTAL]",
	  "a Unix datagram socket for QEMU's dgram netdev; frames go to PEERPATH, else the last sender" },
	{ "port add NAME type vxlan vni VNI [remote IP[,IP...]] [local IP] [dstport PORT] [dev IF] [group IP]",
	  "create a kernel vxlan device: one L2 segment with other hosts (UDP 4789 by default), flooding to "
	  "each remote, or to a multicast group" },
	{ "port del NAME", "detach it (and delete what switchd made for it)" },
	{ "port show [NAME]", "ports (or one) with state, settings and counters" },
	{ "port clear [NAME]", "zero the counters of every port, or of one" },
	{ "port set NAME SETTING VALUE", "one setting of the port: " },
	{ "port set NAME vlan access VID | trunk LIST|all [native VID] | tunnel VID",
	  "the port's VLAN mode (default: trunk all, frames as they came)" },
	{ "port set NAME remote add|del IP", "a vxlan port's flood list: one remote more, or less" },
	{ "mac show [MAC] [port NAME] [vlan VID]", "the MAC table, or where one MAC is (fdb is a synonym of mac)" },
	{ "mac flush [port NAME] [vlan VID]", "empty the MAC table, or one port's or VLAN's learned entries" },
	{ "mac add MAC port NAME [vlan VID]", "a static entry: never aged, evicted, flushed or moved" },
	{ "mac del MAC [vlan VID]", "remove an entry, static or learned" },
	{ "status", "version, uptime, ports, table size and settings (the default)" },
	{ "set SETTING VALUE", "change a setting of the running switchd: " },
	{ "monitor", "print events (ports, MAC table) as they happen, until interrupted" },
	{ "mirror add NAME from PORT[,PORT...] [in|out|both] to PORT",
	  "copy what the ports receive, send or both (default) to PORT, which then gets no other traffic" },
	{ "mirror del NAME", "stop a mirror" },
	{ "mirror show [NAME]", "the mirrors and how many frames each copied" },
	{ "trace in PORT [src MAC] dst MAC [vlan VID] [type ETHERTYPE]",
	  "what switchd would do now with such a frame, stage by stage (nothing is sent or learned)" },
};

const struct cli_usage_row *cli_cmd_usage(size_t i)
{
	return i < sizeof(cmdline_usage) / sizeof(cmdline_usage[0]) ? &cmdline_usage[i] : NULL;
}

enum cli_parse_result cli_cmd_parse(int argc, char *const *argv, struct cli_cmd *cmd, char *err,
				    size_t errlen)
{
	const char *obj = argc > 0 ? argv[0] : "status";
	char names[128];
	size_t off = 0;

	memset(cmd, 0, sizeof(*cmd));
	err[0] = '\0';
	if (!strcmp(obj, "help"))
		return CLI_HELP;
	for (size_t i = 0; i < NOBJECTS; i++)
		if (!strcmp(obj, cmdline_objects[i].name))
			return cmdline_objects[i].parse(obj, argc > 0 ? argc - 1 : 0, argv + (argc > 0), cmd,
							err, errlen);
	for (size_t i = 0; i < NOBJECTS && off < sizeof(names); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
					cmdline_objects[i].name);
	return usage_err(err, errlen, "unknown command '%s' (%s)", obj, names);
}
