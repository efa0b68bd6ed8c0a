/* How switchctl prints replies: one function per record type, each field once for text and JSON. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "writer.h"

static void fmt_mac(char out[18], const uint8_t *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The counters in the order of swp_counter_name(): the struct holds only them. */
static uint64_t counter(const struct swp_counters *c, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)c + i * sizeof(v), sizeof(v));
	return v;
}

/*
 * A writer for one record of an array the reply spans: the first record opens
 * the array, cli_print_done closes it.
 */
static void wr_record(struct wr *w, FILE *f, const struct cli_opts *o, bool first)
{
	wr_init(w, f, o->json);
	if (first)
		wr_arr_open(w, NULL);
	else
		wr_arr_resume(w);
}

/*
 * The VLAN mode: JSON vlan_mode, vlans (the VIDs, or "all") and native (the
 * VLAN untagged frames belong to, 0: none); text "vlan ..." as port set takes
 * it, unless it is the default.
 */
static void print_port_vlan(struct wr *w, const struct swp_vlan *v)
{
	const char *mode = swp_vlan_mode_name(v->mode);
	char val[64];

	wr_str(w, "vlan_mode", NULL, mode ? mode : "unknown");
	if (v->mode == SWP_VLAN_TRUNK && swp_vlan_all(v)) {
		wr_str(w, "vlans", NULL, "all");
	} else {
		wr_arr_open(w, "vlans");
		for (unsigned vid = 1; vid <= SWP_VLAN_VID_MAX; vid++)
			if (v->mode == SWP_VLAN_TRUNK ? swp_vlan_has(v, vid) : vid == v->vid)
				wr_elem_uint(w, vid);
		wr_arr_close(w);
	}
	wr_uint(w, "native", NULL, v->vid);
	swp_vlan_format(v, val, sizeof(val));
	if (v->mode != SWP_VLAN_TRUNK || v->vid || !swp_vlan_all(v))
		wr_text(w, " vlan %s", val);
}

/* The port's settings: each in JSON; in text, only those not at their default. */
static void print_port_settings(struct wr *w, const struct swp_port_info *p)
{
	const struct swp_port_setting *s;
	char val[24];

	for (size_t i = 0; (s = swp_port_setting_at(i)); i++) {
		uint64_t v = s->key <= SWP_PSET_KEY_MAX ? p->settings[s->key - 1] : 0;

		if (s->vlan) {
			print_port_vlan(w, &p->vlan);
			continue;
		}

		if (s->boolean)
			wr_bool(w, s->json, NULL, v);
		else
			wr_uint(w, s->json, NULL, v);
		swp_port_setting_format(s, v, val, sizeof(val));
		if (v != s->def)
			wr_text(w, s->boolean && v ? " %s" : " %s %s", s->name, val);
	}
}

/* A vxlan port's device: text "vni 42 remote A,B local L dstport 4789 group G dev D"; JSON remotes is an array. */
static void print_port_vxlan(struct wr *w, const struct swp_vxlan *vx)
{
	char list[SWP_REMOTES_LEN], *save = NULL, *a;

	wr_uint(w, "vni", " vni %" PRIu64, vx->vni);
	wr_text(w, vx->remotes[0] ? " remote %s" : "", vx->remotes);
	wr_arr_open(w, "remotes");
	snprintf(list, sizeof(list), "%s", vx->remotes);
	for (a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save))
		wr_elem_str(w, a);
	wr_arr_close(w);
	wr_str(w, "local", vx->local[0] ? " local %s" : NULL, vx->local);
	wr_uint(w, "dstport", " dstport %" PRIu64, vx->dstport);
	wr_str(w, "group", vx->group[0] ? " group %s" : NULL, vx->group);
	wr_str(w, "dev", vx->dev[0] ? " dev %s" : NULL, vx->dev);
}

static void print_port(FILE *f, const struct cli_opts *o, const struct swp_port_info *p, bool first)
{
	const struct swp_counters *c = &p->c;
	struct wr w;

	wr_record(&w, f, o, first);
	wr_obj_open(&w, NULL);
	wr_str(&w, "name", "%s:", p->name);
	wr_str(&w, "type", " %s", swp_type_name(p->type));
	wr_int(&w, "ifindex", " ifindex %" PRId64, p->ifindex);
	wr_str(&w, "state", " %s", swp_state_name(p->state));
	wr_uint(&w, "mtu", " mtu %" PRIu64, p->mtu);
	wr_uint(&w, "macs", " macs %" PRIu64, p->macs);
	wr_bool(&w, "created", " created", p->created);
	wr_uint(&w, "blocked", NULL, p->blocked);
	wr_str(&w, "origin", p->origin == SWP_ORIGIN_CONFIG ? " config" : NULL,
	       p->origin == SWP_ORIGIN_CONFIG ? "config" : "switchctl");
	print_port_settings(&w, p);
	for (size_t i = 0; i < SWP_COUNTERS; i++)
		wr_uint(&w, swp_counter_name(i), NULL, counter(c, i));
	/* Text names a veth's peer only when switchd made it into a namespace. */
	wr_str(&w, "peer", p->netns[0] ? " peer %s" : NULL, p->peer);
	wr_str(&w, "netns", p->netns[0] ? " in %s" : NULL, p->netns);
	/* A stream port's socket; every port has the key in JSON, empty when it has none. */
	wr_str(&w, "path", p->path[0] ? " path %s" : NULL, p->path);
	/* A dgram port's peer; every port has the key in JSON, empty when it has none. */
	wr_str(&w, "peer_path", p->peer_path[0] ? " peer %s" : NULL, p->peer_path);
	if (p->type == SWP_PORT_STREAM || p->type == SWP_PORT_DGRAM) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", p->mode & 07777);
		wr_uint(&w, "owner", " owner %" PRIu64, p->uid);
		wr_uint(&w, "group", ":%" PRIu64, p->gid);
		wr_str(&w, "mode", " mode %s", mode);
	}
	if (p->type == SWP_PORT_VXLAN)
		print_port_vxlan(&w, &p->vx);
	if (p->blocked)
		wr_uint(&w, NULL, " BLOCKED %" PRIu64 " s (a MAC flapped onto it: a loop?)", p->blocked);
	wr_obj_close(&w);
	/* The counters in text: two summary lines, the reasons only where something was dropped. */
	wr_text(&w, "\n    rx %" PRIu64 " packets %" PRIu64 " bytes %" PRIu64 " dropped", c->rx_packets,
		c->rx_bytes, c->rx_dropped);
	if (c->rx_dropped)
		wr_text(&w,
			" (bad_src %" PRIu64 " runt %" PRIu64 " filtered %" PRIu64 " link_local %" PRIu64
			" storm %" PRIu64 " blocked %" PRIu64 " error %" PRIu64 " mac_limit %" PRIu64
			" static %" PRIu64 " isolated %" PRIu64 " vlan %" PRIu64 ")",
			c->rx_drop_bad_src, c->rx_drop_runt, c->rx_drop_filtered, c->rx_drop_link_local,
			c->rx_drop_storm, c->rx_drop_blocked, c->rx_drop_error, c->rx_drop_mac_limit,
			c->rx_drop_static, c->rx_drop_isolated, c->rx_drop_vlan);
	wr_text(&w, "\n    tx %" PRIu64 " packets %" PRIu64 " bytes %" PRIu64 " dropped", c->tx_packets,
		c->tx_bytes, c->tx_dropped);
	if (c->tx_dropped)
		wr_text(&w, " (mtu %" PRIu64 " busy %" PRIu64 " error %" PRIu64 " gso %" PRIu64 ")",
			c->tx_drop_mtu, c->tx_drop_busy, c->tx_drop_error, c->tx_drop_gso);
	wr_text(&w, "\n");
}

static void print_mac_header(struct wr *w)
{
	wr_text(w, "%-17s  %-15s  %4s  %s\n", "MAC", "PORT", "VLAN", "AGE");
}

static void print_mac(FILE *f, const struct cli_opts *o, const struct swp_mac_entry *m, bool first)
{
	char mac[18];
	struct wr w;

	fmt_mac(mac, m->mac);
	wr_record(&w, f, o, first);
	if (first)
		print_mac_header(&w);
	wr_obj_open(&w, NULL);
	wr_str(&w, "mac", "%-17s  ", mac);
	wr_str(&w, "port", "%-15s  ", m->port);
	wr_uint(&w, "vlan", "%4" PRIu64 "  ", m->vlan);
	wr_uint(&w, "age", m->is_static ? NULL : "%" PRIu64, m->age);
	wr_bool(&w, "static", "static", m->is_static);
	/* Learned on a vxlan port: the VTEP behind it, when the kernel knows it. */
	if (m->remote[0])
		wr_str(&w, "remote", "  remote %s", m->remote);
	wr_obj_close(&w);
	wr_text(&w, "\n");
}

/*
 * A setting this printer has no line of its own for (one added after it was
 * written): "name value" in text, name_with_underscores in JSON.
 */
static void print_setting(struct wr *w, const struct swp_setting *set, uint64_t v)
{
	char key[32];

	snprintf(key, sizeof(key), "%s", set->name);
	for (char *c = key; *c; c++)
		if (*c == '-')
			*c = '_';
	wr_uint(w, key, NULL, v);
	wr_text(w, "%-9s %" PRIu64 "\n", set->name, v);
}

/* Setting key's value in a status (0 for a key this build does not know). */
static uint64_t status_setting(const struct swp_status_info *s, uint32_t key)
{
	return key >= 1 && key <= SWP_SET_KEY_MAX ? s->settings[key - 1] : 0;
}

static void print_status(FILE *f, const struct cli_opts *o, const struct swp_status_info *s)
{
	const struct swp_setting *set;
#define V(key) status_setting(s, key)
	struct wr w;

	wr_init(&w, f, o->json);
	wr_obj_open(&w, NULL);
	wr_str(&w, "version", "version   %s\n", s->version);
	wr_uint(&w, "uptime", "uptime    %" PRIu64 " s\n", s->uptime);
	wr_uint(&w, "ports", "ports     %" PRIu64 "\n", s->ports);
	wr_uint(&w, "macs", "macs      %" PRIu64, s->macs);
	wr_uint(&w, "max_macs", " of %" PRIu64 "\n", V(SWP_SET_MAX_MACS));
	wr_uint(&w, "ageing", "ageing    %" PRIu64 " s\n", V(SWP_SET_AGEING));
	wr_uint(&w, "mac_learned", "learned   %" PRIu64 "\n", s->mac_learned);
	wr_uint(&w, "mac_moved", "moved     %" PRIu64 "\n", s->mac_moved);
	wr_uint(&w, "mac_evicted", "evicted   %" PRIu64 "\n", s->mac_evicted);
	wr_uint(&w, "mac_aged", "aged      %" PRIu64 "\n", s->mac_aged);
	wr_uint(&w, "flap_moves", "flap      %" PRIu64 " moves/s", V(SWP_SET_FLAP_MOVES));
	wr_uint(&w, "flap_hold", ", hold %" PRIu64 " s\n", V(SWP_SET_FLAP_HOLD));
	wr_uint(&w, "storm_broadcast", "storm     broadcast %" PRIu64, V(SWP_SET_STORM_BROADCAST));
	wr_uint(&w, "storm_multicast", ", multicast %" PRIu64, V(SWP_SET_STORM_MULTICAST));
	wr_uint(&w, "storm_unknown", ", unknown %" PRIu64 " pps\n", V(SWP_SET_STORM_UNKNOWN));
	for (size_t i = 0; (set = swp_setting_at(i)); i++)
		if (set->key > SWP_SET_STORM_UNKNOWN) /* laid out above: those up to here */
			print_setting(&w, set, V(set->key));
#undef V
	wr_obj_close(&w);
	wr_json_line(&w);
}

static const char *mirror_dir_name(uint32_t dir)
{
	return dir == SWP_MIRROR_IN ? "in" : dir == SWP_MIRROR_OUT ? "out" : "both";
}

/* mirror show: a line as mirror add takes it, then what it copied. */
static void print_mirror(FILE *f, const struct cli_opts *o, const struct swp_mirror *m, bool first)
{
	struct wr w;

	wr_record(&w, f, o, first);
	wr_obj_open(&w, NULL);
	wr_str(&w, "name", "%s:", m->name);
	wr_str(&w, "from", " from %s", m->from);
	wr_str(&w, "direction", " %s", mirror_dir_name(m->dir));
	wr_str(&w, "to", " to %s", m->to);
	wr_uint(&w, "packets", " packets %" PRIu64, m->packets);
	wr_str(&w, "origin", m->origin == SWP_ORIGIN_CONFIG ? " config" : NULL,
	       m->origin == SWP_ORIGIN_CONFIG ? "config" : "switchctl");
	wr_obj_close(&w);
	wr_text(&w, "\n");
}

static const char *trace_stage_name(uint32_t stage)
{
	static const char *const names[] = {
		[SWP_TRACE_INGRESS] = "ingress", [SWP_TRACE_VLAN] = "vlan",	  [SWP_TRACE_LEARN] = "learning",
		[SWP_TRACE_LOOKUP] = "lookup",	 [SWP_TRACE_EGRESS] = "egress", [SWP_TRACE_VERDICT] = "verdict",
	};

	return stage < sizeof(names) / sizeof(names[0]) && names[stage] ? names[stage] : "?";
}

/* trace: one line per step, "stage     detail", as ofproto/trace lays its steps out. */
static void print_trace_step(FILE *f, const struct cli_opts *o, const struct swp_trace_step *s, bool first)
{
	struct wr w;

	wr_record(&w, f, o, first);
	wr_obj_open(&w, NULL);
	wr_str(&w, "stage", "%-9s", trace_stage_name(s->stage));
	wr_str(&w, "result", NULL, s->result);
	wr_str(&w, "port", NULL, s->port);
	wr_uint(&w, "vlan", NULL, s->vlan);
	wr_bool(&w, "drop", NULL, s->drop);
	wr_str(&w, "detail", " %s", s->detail);
	wr_obj_close(&w);
	wr_text(&w, "\n");
}

void cli_print_record(FILE *f, const struct cli_opts *o, const struct cli_cmd *cmd,
		      const struct swp_hdr *hdr, const void *body, bool first)
{
	(void)cmd;
	switch (hdr->type) {
	case SWP_PORT_INFO:
		print_port(f, o, body, first);
		break;
	case SWP_MAC_ENTRY:
		print_mac(f, o, body, first);
		break;
	case SWP_STATUS_INFO:
		print_status(f, o, body);
		break;
	case SWP_MIRROR_INFO:
		print_mirror(f, o, body, first);
		break;
	case SWP_TRACE_STEP:
		print_trace_step(f, o, body, first);
		break;
	}
}

void cli_print_done(FILE *f, const struct cli_opts *o, const struct cli_cmd *cmd,
		    const struct swp_done *done)
{
	struct wr w;

	switch (cmd->type) {
	case SWP_PORT_SHOW:
	case SWP_MAC_SHOW:
	case SWP_MIRROR_SHOW:
	case SWP_TRACE:
		/* Records opened the array; an empty one still prints, and an empty table its header. */
		wr_record(&w, f, o, !done->count);
		if (cmd->type == SWP_MAC_SHOW && !done->count)
			print_mac_header(&w);
		wr_arr_close(&w);
		wr_json_line(&w);
		return;
	case SWP_MAC_FLUSH:
		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_uint(&w, "flushed", "%" PRIu64 " MAC entries flushed\n", done->count);
		break;
	case SWP_PORT_CLEAR:
		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_uint(&w, "cleared", "counters of %" PRIu64, done->count);
		wr_text(&w, done->count == 1 ? " port cleared\n" : " ports cleared\n");
		break;
	case SWP_SET: {
		const struct swp_setting *s = swp_setting_by_key(cmd->body.set.key);

		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_str(&w, "setting", NULL, s ? s->name : "");
		wr_uint(&w, "value", NULL, cmd->body.set.value);
		wr_uint(&w, "evicted", done->count ? "%" PRIu64 " MAC entries evicted\n" : NULL, done->count);
		break;
	}
	case SWP_PORT_SET: {
		const struct swp_port_setting *s = swp_port_setting_by_key(cmd->body.port_set.key);
		char val[64] = "";

		if (s && s->vlan)
			swp_vlan_format(&cmd->body.port_set.vlan, val, sizeof(val));
		else if (s)
			swp_port_setting_format(s, cmd->body.port_set.value, val, sizeof(val));
		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_str(&w, "port", NULL, cmd->body.port_set.name);
		wr_str(&w, "setting", NULL, s ? s->name : "");
		wr_str(&w, "value", NULL, val);
		wr_bool(&w, "changed", NULL, done->count);
		break;
	}
	case SWP_PORT_REMOTE_ADD:
	case SWP_PORT_REMOTE_DEL:
		/* As port set: nothing in text; JSON says what changed. */
		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_str(&w, "port", NULL, cmd->body.port.name);
		wr_str(&w, "setting", NULL, "remote");
		wr_str(&w, "value", NULL, cmd->body.port.vx.remotes);
		wr_str(&w, "op", NULL, cmd->type == SWP_PORT_REMOTE_ADD ? "add" : "del");
		wr_bool(&w, "changed", NULL, done->count);
		break;
	case SWP_MAC_ADD:
	case SWP_MAC_DEL: {
		char mac[18];

		fmt_mac(mac, cmd->body.mac.mac);
		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_str(&w, "mac", NULL, mac);
		wr_uint(&w, "vlan", NULL, cmd->body.mac.vlan);
		if (cmd->type == SWP_MAC_ADD)
			wr_str(&w, "port", NULL, cmd->body.mac.port);
		wr_str(&w, "result", NULL, cmd->type == SWP_MAC_ADD ? "added" : "deleted");
		break;
	}
	case SWP_MIRROR_ADD:
	case SWP_MIRROR_DEL:
		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_str(&w, "mirror", NULL, cmd->body.mirror.name);
		wr_str(&w, "result", NULL, cmd->type == SWP_MIRROR_ADD ? "added" : "deleted");
		break;
	case SWP_PORT_ADD:
	case SWP_PORT_DEL:
		wr_init(&w, f, o->json);
		wr_obj_open(&w, NULL);
		wr_str(&w, "port", NULL, cmd->body.port.name);
		wr_str(&w, "result", NULL, cmd->type == SWP_PORT_ADD ? "added" : "deleted");
		break;
	default:
		return;
	}
	wr_obj_close(&w);
	wr_json_line(&w);
}

/* An event's time as UTC ISO 8601 with milliseconds. */
static void fmt_time(char out[32], uint64_t ms)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03uZ", base, (unsigned)(ms % 1000));
}

static bool event_is_mac(uint32_t kind)
{
	return (kind >= SWP_EV_MAC_LEARNED && kind <= SWP_EV_MAC_EVICTED) || kind == SWP_EV_MAC_ADDED ||
	       kind == SWP_EV_MAC_DELETED;
}

void cli_print_event(FILE *f, const struct cli_opts *o, const struct swp_event *ev)
{
	const char *port = ev->port, *name = swp_event_name(ev->kind);
	char time[32], mac[18];
	struct wr w;

	if (!name)
		return; /* a newer daemon's event: skip it rather than guess */
	fmt_time(time, ev->time_ms);
	fmt_mac(mac, ev->mac);
	wr_init(&w, f, o->json);
	wr_obj_open(&w, NULL);
	wr_str(&w, "time", "%s", time);
	wr_str(&w, "event", " %s", name);
	switch (ev->kind) {
	case SWP_EV_PORT_REMOVED:
		wr_str(&w, "port", " %s", port);
		wr_str(&w, "reason", " (%s", ev->reason);
		wr_uint(&w, "flushed", "; %" PRIu64 " MAC entries flushed)", ev->count);
		break;
	case SWP_EV_PORT_BLOCKED:
		wr_str(&w, "port", " %s", port);
		wr_uint(&w, "seconds", " for %" PRIu64 " s", ev->count);
		wr_str(&w, NULL, " (%s)", ev->reason);
		break;
	case SWP_EV_MAC_FLUSHED:
		/* Of one port's entries, or of all (no port). */
		wr_uint(&w, NULL, " %" PRIu64 " entries", ev->count);
		if (port[0])
			wr_str(&w, "port", " port %s", port);
		wr_str(&w, "reason", " (%s)", ev->reason);
		wr_uint(&w, "flushed", NULL, ev->count);
		break;
	case SWP_EV_PORT_CHANGED:
		wr_str(&w, "port", " %s", port);
		wr_str(&w, "setting", " %s", ev->setting);
		wr_str(&w, "value", " %s", ev->value);
		break;
	case SWP_EV_MIRROR_REMOVED:
		wr_str(&w, "mirror", " %s", ev->mirror);
		wr_str(&w, "port", " (port %s", port);
		wr_str(&w, "reason", ": %s)", ev->reason);
		break;
	case SWP_EV_LOST:
		wr_uint(&w, "lost", " %" PRIu64 " events (the monitor did not read fast enough)", ev->count);
		break;
	default:
		if (event_is_mac(ev->kind)) {
			wr_str(&w, "mac", " %s", mac);
			wr_uint(&w, "vlan", " vlan %" PRIu64, ev->vlan);
			wr_str(&w, "port", " port %s", port);
		} else {
			wr_str(&w, "port", " %s", port);
		}
		if (ev->kind == SWP_EV_MAC_MOVED)
			wr_str(&w, "old_port", " from %s", ev->old_port);
		if (ev->kind == SWP_EV_MAC_ADDED || ev->kind == SWP_EV_MAC_DELETED)
			wr_bool(&w, "static", " static", ev->kind == SWP_EV_MAC_ADDED || ev->is_static);
		if (ev->kind == SWP_EV_MAC_DELETED)
			wr_str(&w, "reason", " (%s)", ev->reason);
		break;
	}
	wr_obj_close(&w);
	wr_text(&w, "\n");
	wr_json_line(&w);
}
