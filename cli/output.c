/* How switchctl prints replies: one function per record type, text or JSON. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at p, or 0. */
static int utf8_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A JSON string. Interface names are bytes, not necessarily UTF-8: a byte
 * that is not part of valid UTF-8 becomes U+FFFD, so the output always parses.
 */
void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		int n;

		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else if ((n = utf8_len(p)) > 0) {
			fwrite(p, 1, (size_t)n, f);
			p += n;
		} else {
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}

/* Fixed-size name fields from the wire, made into strings. */
static void wire_name(char out[SWP_NAME_MAX + 1], const char *in)
{
	memcpy(out, in, SWP_NAME_MAX);
	out[SWP_NAME_MAX] = '\0';
}

static void fmt_mac(char out[18], const uint8_t *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static const struct {
	const char *key;
	size_t off;
} counter_fields[] = {
#define CF(x) { #x, offsetof(struct swp_counters, x) }
	CF(rx_packets), CF(rx_bytes), CF(tx_packets), CF(tx_bytes), CF(rx_dropped),
	CF(tx_dropped), CF(rx_drop_bad_src), CF(rx_drop_runt), CF(rx_drop_filtered),
	CF(rx_drop_error), CF(tx_drop_mtu), CF(tx_drop_busy), CF(tx_drop_error),
	CF(rx_drop_link_local), CF(rx_drop_storm), CF(rx_drop_blocked),
#undef CF
};

static uint64_t counter(const struct swp_counters *c, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)c + counter_fields[i].off, sizeof(v));
	return v;
}

static void print_port(FILE *f, const struct cli_opts *o, const struct swp_port_info *p, bool first)
{
	char name[SWP_NAME_MAX + 1], peer[SWP_NAME_MAX + 1], netns[SWP_PATH_MAX + 1];
	const struct swp_counters *c = &p->c;

	wire_name(name, p->name);
	wire_name(peer, p->peer);
	memcpy(netns, p->netns, SWP_PATH_MAX);
	netns[SWP_PATH_MAX] = '\0';
	if (o->json) {
		fputs(first ? "[" : ",", f);
		fputs("{\"name\":", f);
		json_str(f, name);
		fprintf(f, ",\"type\":\"%s\",\"ifindex\":%d,\"state\":\"%s\",\"mtu\":%u,\"macs\":%u,"
			   "\"created\":%s,\"blocked\":%u",
			swp_type_name(p->type), p->ifindex, swp_state_name(p->state), p->mtu, p->macs,
			p->created ? "true" : "false", p->blocked);
		for (size_t i = 0; i < sizeof(counter_fields) / sizeof(counter_fields[0]); i++)
			fprintf(f, ",\"%s\":%" PRIu64, counter_fields[i].key, counter(c, i));
		fputs(",\"peer\":", f);
		json_str(f, peer);
		fputs(",\"netns\":", f);
		json_str(f, netns);
		fputs("}", f);
		return;
	}
	fprintf(f, "%s: %s ifindex %d %s mtu %u macs %u%s", name, swp_type_name(p->type),
		p->ifindex, swp_state_name(p->state), p->mtu, p->macs, p->created ? " created" : "");
	if (netns[0]) {
		fputs(" peer ", f);
		fputs(peer, f);
		fputs(" in ", f);
		fputs(netns, f);
	}
	if (p->blocked)
		fprintf(f, " BLOCKED %u s (a MAC flapped onto it: a loop?)", p->blocked);
	fputc('\n', f);
	fprintf(f, "    rx %" PRIu64 " packets %" PRIu64 " bytes %" PRIu64 " dropped", c->rx_packets,
		c->rx_bytes, c->rx_dropped);
	if (c->rx_dropped)
		fprintf(f, " (bad_src %" PRIu64 " runt %" PRIu64 " filtered %" PRIu64
			   " link_local %" PRIu64 " storm %" PRIu64 " blocked %" PRIu64 " error %" PRIu64 ")",
			c->rx_drop_bad_src, c->rx_drop_runt, c->rx_drop_filtered, c->rx_drop_link_local,
			c->rx_drop_storm, c->rx_drop_blocked, c->rx_drop_error);
	fprintf(f, "\n    tx %" PRIu64 " packets %" PRIu64 " bytes %" PRIu64 " dropped", c->tx_packets,
		c->tx_bytes, c->tx_dropped);
	if (c->tx_dropped)
		fprintf(f, " (mtu %" PRIu64 " busy %" PRIu64 " error %" PRIu64 ")", c->tx_drop_mtu,
			c->tx_drop_busy, c->tx_drop_error);
	fputc('\n', f);
}

static void print_mac_header(FILE *f)
{
	fprintf(f, "%-17s  %-15s  %4s  %s\n", "MAC", "PORT", "VLAN", "AGE");
}

static void print_mac(FILE *f, const struct cli_opts *o, const struct swp_mac_entry *m, bool first)
{
	char port[SWP_NAME_MAX + 1], mac[18];

	wire_name(port, m->port);
	fmt_mac(mac, m->mac);
	if (o->json) {
		fprintf(f, "%s{\"mac\":\"%s\",\"port\":", first ? "[" : ",", mac);
		json_str(f, port);
		fprintf(f, ",\"vlan\":%u,\"age\":%u,\"static\":%s}", m->vlan, m->age,
			m->is_static ? "true" : "false");
		return;
	}
	if (first)
		print_mac_header(f);
	if (m->is_static)
		fprintf(f, "%-17s  %-15s  %4u  static\n", mac, port, m->vlan);
	else
		fprintf(f, "%-17s  %-15s  %4u  %u\n", mac, port, m->vlan, m->age);
}

static void print_status(FILE *f, const struct cli_opts *o, const struct swp_status_info *s)
{
	char version[sizeof(s->version) + 1];

	memcpy(version, s->version, sizeof(s->version));
	version[sizeof(s->version)] = '\0';
	if (o->json) {
		fputs("{\"version\":", f);
		json_str(f, version);
		fprintf(f, ",\"uptime\":%" PRIu64 ",\"ports\":%u,\"macs\":%u,\"max_macs\":%u,"
			   "\"ageing\":%u,\"mac_learned\":%" PRIu64 ",\"mac_moved\":%" PRIu64
			   ",\"mac_evicted\":%" PRIu64 ",\"mac_aged\":%" PRIu64 ",\"flap_moves\":%u,"
			   "\"flap_hold\":%u,\"storm_broadcast\":%u,\"storm_multicast\":%u,"
			   "\"storm_unknown\":%u}\n",
			s->uptime, s->ports, s->macs, s->max_macs, s->ageing, s->mac_learned,
			s->mac_moved, s->mac_evicted, s->mac_aged, s->flap_moves, s->flap_hold,
			s->storm_pps[0], s->storm_pps[1], s->storm_pps[2]);
		return;
	}
	fprintf(f, "version   %s\nuptime    %" PRIu64 " s\nports     %u\nmacs      %u of %u\n"
		   "ageing    %u s\nlearned   %" PRIu64 "\nmoved     %" PRIu64 "\nevicted   %" PRIu64
		   "\naged      %" PRIu64 "\n",
		version, s->uptime, s->ports, s->macs, s->max_macs, s->ageing, s->mac_learned,
		s->mac_moved, s->mac_evicted, s->mac_aged);
	fprintf(f, "flap      %u moves/s, hold %u s\nstorm     broadcast %u, multicast %u, "
		   "unknown %u pps\n",
		s->flap_moves, s->flap_hold, s->storm_pps[0], s->storm_pps[1], s->storm_pps[2]);
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
	}
}

void cli_print_done(FILE *f, const struct cli_opts *o, const struct cli_cmd *cmd,
		    const struct swp_done *done)
{
	char name[SWP_NAME_MAX + 1];

	switch (cmd->type) {
	case SWP_PORT_SHOW:
	case SWP_MAC_SHOW:
		/* Records opened the array; an empty one still prints. */
		if (o->json)
			fputs(done->count ? "]\n" : "[]\n", f);
		else if (cmd->type == SWP_MAC_SHOW && !done->count)
			print_mac_header(f); /* an empty table, not a silent failure */
		break;
	case SWP_MAC_FLUSH:
		if (o->json)
			fprintf(f, "{\"flushed\":%u}\n", done->count);
		else
			fprintf(f, "%u MAC entries flushed\n", done->count);
		break;
	case SWP_SET: {
		const struct swp_setting *s = swp_setting_by_key(cmd->body.set.key);

		if (o->json)
			fprintf(f, "{\"setting\":\"%s\",\"value\":%llu,\"evicted\":%u}\n",
				s ? s->name : "", (unsigned long long)cmd->body.set.value, done->count);
		else if (done->count)
			fprintf(f, "%u MAC entries evicted\n", done->count);
		break;
	}
	case SWP_PORT_ADD:
	case SWP_PORT_DEL:
		if (o->json) {
			wire_name(name, cmd->body.port.name);
			fputs("{\"port\":", f);
			json_str(f, name);
			fprintf(f, ",\"result\":\"%s\"}\n", cmd->type == SWP_PORT_ADD ? "added" : "deleted");
		}
		break;
	}
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
	return kind >= SWP_EV_MAC_LEARNED && kind <= SWP_EV_MAC_EVICTED;
}

static void print_event_json(FILE *f, const struct swp_event *ev, const char *name, const char *time,
			     const char *port, const char *old_port, const char *reason)
{
	fprintf(f, "{\"time\":\"%s\",\"event\":\"%s\"", time, name);
	if (event_is_mac(ev->kind)) {
		char mac[18];

		fmt_mac(mac, ev->mac);
		fprintf(f, ",\"mac\":\"%s\",\"vlan\":%u", mac, ev->vlan);
	}
	if (ev->kind != SWP_EV_LOST && (port[0] || ev->kind != SWP_EV_MAC_FLUSHED)) {
		fputs(",\"port\":", f);
		json_str(f, port);
	}
	if (ev->kind == SWP_EV_MAC_MOVED) {
		fputs(",\"old_port\":", f);
		json_str(f, old_port);
	}
	switch (ev->kind) {
	case SWP_EV_PORT_REMOVED:
	case SWP_EV_MAC_FLUSHED:
		fputs(",\"reason\":", f);
		json_str(f, reason);
		fprintf(f, ",\"flushed\":%" PRIu64, ev->count);
		break;
	case SWP_EV_PORT_BLOCKED:
		fprintf(f, ",\"seconds\":%" PRIu64, ev->count);
		break;
	case SWP_EV_LOST:
		fprintf(f, ",\"lost\":%" PRIu64, ev->count);
		break;
	}
	fputs("}\n", f);
}

void cli_print_event(FILE *f, const struct cli_opts *o, const struct swp_event *ev)
{
	char port[SWP_NAME_MAX + 1], old_port[SWP_NAME_MAX + 1], reason[sizeof(ev->reason) + 1];
	const char *name = swp_event_name(ev->kind);
	char time[32], mac[18];

	if (!name)
		return; /* a newer daemon's event: skip it rather than guess */
	wire_name(port, ev->port);
	wire_name(old_port, ev->old_port);
	memcpy(reason, ev->reason, sizeof(ev->reason));
	reason[sizeof(ev->reason)] = '\0';
	fmt_time(time, ev->time_ms);
	if (o->json) {
		print_event_json(f, ev, name, time, port, old_port, reason);
		return;
	}
	fmt_mac(mac, ev->mac);
	fprintf(f, "%s %s", time, name);
	switch (ev->kind) {
	case SWP_EV_PORT_REMOVED:
		fprintf(f, " %s (%s; %" PRIu64 " MAC entries flushed)", port, reason, ev->count);
		break;
	case SWP_EV_PORT_BLOCKED:
		fprintf(f, " %s for %" PRIu64 " s (%s)", port, ev->count, reason);
		break;
	case SWP_EV_MAC_MOVED:
		fprintf(f, " %s vlan %u port %s from %s", mac, ev->vlan, port, old_port);
		break;
	case SWP_EV_MAC_FLUSHED:
		fprintf(f, " %" PRIu64 " entries%s%s (%s)", ev->count, port[0] ? " port " : "", port,
			reason);
		break;
	case SWP_EV_LOST:
		fprintf(f, " %" PRIu64 " events (the monitor did not read fast enough)", ev->count);
		break;
	default:
		if (event_is_mac(ev->kind))
			fprintf(f, " %s vlan %u port %s", mac, ev->vlan, port);
		else
			fprintf(f, " %s", port);
		break;
	}
	fputc('\n', f);
}
