/* Port mirroring: observers that queue what crosses their sources to a destination port (mirror.h). */
#include "mirror.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int mirror_err(char *why, size_t len, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int mirror_err(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

void mirrors_init(struct mirrors *ms, struct sw *sw)
{
	memset(ms, 0, sizeof(*ms));
	ms->sw = sw;
}

struct mirror *mirror_find(const struct mirrors *ms, const char *name)
{
	for (uint32_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->m[i]->name, name))
			return ms->m[i];
	return NULL;
}

/* On the frame path: the frame as it crossed the source, queued to the destination as it is. */
static void mirror_frame(void *ctx, struct port *p, const struct frame *f, enum sw_dir dir)
{
	(void)dir;
	struct mirror *m = ctx;

	m->packets++;
	sw_observer_queue(p->sw, m->to, f);
}

static void mirror_unlink(struct mirrors *ms, struct mirror *m)
{
	for (uint32_t i = 0; i < ms->n; i++) {
		if (ms->m[i] == m) {
			memmove(ms->m + i, ms->m + i + 1, (ms->n - i - 1) * sizeof(ms->m[0]));
			ms->n--;
			break;
		}
	}
	sw_observer_del(ms->sw, &m->obs);
	free(m);
}

/* A source or the destination went: the mirror goes with it, logged and told as mirror_removed. */
static void mirror_gone(void *ctx, struct port *p)
{
	struct mirror *m = ctx;
	struct sw *sw = m->set->sw;
	const char *role = p == m->to ? "destination" : "source";

	log_info("mirror %s removed: its %s port %s was removed", m->name, role, p->name);
	if (sw->event) {
		struct swp_event ev = { .kind = SWP_EV_MIRROR_REMOVED };

		swp_set_name(ev.port, p->name);
		snprintf(ev.mirror, sizeof(ev.mirror), "%s", m->name);
		snprintf(ev.reason, sizeof(ev.reason), "%s port removed", role);
		sw->event(sw->event_ctx, &ev);
	}
	mirror_unlink(m->set, m);
}

/* A mirror's name: printable, no spaces, no commas (a config file line and show stay readable). */
static bool mirror_name_ok(const char *name)
{
	size_t n = strnlen(name, SWP_MIRROR_NAME_MAX);

	if (!n || n == SWP_MIRROR_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f || name[i] == ',')
			return false;
	return true;
}

/* Another mirror that has p as its destination (to) or among its sources (!to). */
static const struct mirror *mirror_using(const struct mirrors *ms, const struct port *p, bool to)
{
	for (uint32_t i = 0; i < ms->n; i++) {
		const struct mirror *m = ms->m[i];

		if (to && m->to == p)
			return m;
		for (uint32_t k = 0; !to && k < m->nfrom; k++)
			if (m->from[k] == p)
				return m;
	}
	return NULL;
}

const struct mirror *mirror_of_dst(const struct mirrors *ms, const struct port *p)
{
	return mirror_using(ms, p, true);
}

/* The sources "a,b" into m->from. */
static int mirror_sources(struct mirrors *ms, struct mirror *m, const char *from, char *why, size_t whylen)
{
	const char *s = from;
	size_t n = strnlen(from, SWP_MIRROR_FROM_MAX);

	if (n == SWP_MIRROR_FROM_MAX || !n)
		return mirror_err(why, whylen, -EINVAL, "mirror add %s: from needs PORT[,PORT...]", m->name);
	while (*s) {
		char name[SWP_NAME_MAX];
		size_t len = strcspn(s, ",");
		struct port *p;
		const struct mirror *o;

		if (!len || len >= SWP_NAME_MAX || (s[len] == ',' && !s[len + 1]))
			return mirror_err(why, whylen, -EINVAL, "mirror add %s: from: not a list of port names: '%.64s'",
					  m->name, from);
		memcpy(name, s, len);
		name[len] = '\0';
		s += len + (s[len] == ',');
		if (!(p = sw_port_by_name(ms->sw, name)))
			return mirror_err(why, whylen, -ENOENT, "mirror add %s: no such port %s", m->name, name);
		for (uint32_t k = 0; k < m->nfrom; k++)
			if (m->from[k] == p)
				return mirror_err(why, whylen, -EINVAL, "mirror add %s: port %s is named twice",
						  m->name, name);
		if ((o = mirror_using(ms, p, true)))
			return mirror_err(why, whylen, -EINVAL,
					  "mirror add %s: port %s is the destination of mirror %s: it cannot be a "
					  "source (a mirror would copy copies)",
					  m->name, name, o->name);
		if (m->nfrom == SWITCHD_MIRROR_SOURCES_MAX)
			return mirror_err(why, whylen, -EINVAL, "mirror add %s: more than %u source ports", m->name,
					  SWITCHD_MIRROR_SOURCES_MAX);
		m->from[m->nfrom++] = p;
	}
	return 0;
}

int mirror_add(struct mirrors *ms, const char *name, const char *from, uint32_t dir, const char *to, bool conf,
	       char *why, size_t whylen)
{
	struct mirror *m;
	const struct mirror *o;
	int err;

	why[0] = '\0';
	if (!mirror_name_ok(name))
		return mirror_err(why, whylen, -EINVAL,
				  "mirror add: a name is 1 to %d printable bytes, without spaces or commas",
				  SWP_MIRROR_NAME_MAX - 1);
	if (dir & ~SWP_MIRROR_BOTH)
		return mirror_err(why, whylen, -EINVAL, "mirror add %s: unknown direction %u", name, dir);
	if (mirror_find(ms, name))
		return mirror_err(why, whylen, -EEXIST, "mirror add %s: a mirror of that name exists", name);
	if (ms->n == SWITCHD_MIRRORS_MAX)
		return mirror_err(why, whylen, -ENOSPC, "mirror add %s: too many mirrors (at most %u)", name,
				  SWITCHD_MIRRORS_MAX);
	m = calloc(1, sizeof(*m));
	if (!m)
		return mirror_err(why, whylen, -ENOMEM, "mirror add %s: out of memory", name);
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->set = ms;
	m->conf = conf;
	m->dir = dir ? dir : SWP_MIRROR_BOTH;
	if ((err = mirror_sources(ms, m, from, why, whylen)))
		goto fail;
	if (strnlen(to, SWP_NAME_MAX) == SWP_NAME_MAX || !(m->to = sw_port_by_name(ms->sw, to))) {
		err = mirror_err(why, whylen, -ENOENT, "mirror add %s: no such port %.*s", name, SWP_NAME_MAX - 1,
				 to);
		goto fail;
	}
	for (uint32_t k = 0; k < m->nfrom; k++) {
		if (m->from[k] == m->to) {
			err = mirror_err(why, whylen, -EINVAL,
					 "mirror add %s: the destination %s is also a source (it would copy its "
					 "own copies)",
					 name, to);
			goto fail;
		}
	}
	if ((o = mirror_using(ms, m->to, false))) {
		err = mirror_err(why, whylen, -EINVAL,
				 "mirror add %s: port %s is a source of mirror %s: it cannot be a destination", name,
				 to, o->name);
		goto fail;
	}
	if (ms->sw->fdb.statics[m->to->slot].count) {
		err = mirror_err(why, whylen, -EBUSY,
				 "mirror add %s: static MAC entries point at %s: a destination gets no regular "
				 "traffic (mac del them first)",
				 name, to);
		goto fail;
	}
	m->obs.fn = mirror_frame;
	m->obs.gone = mirror_gone;
	m->obs.ctx = m;
	m->obs.queues = true;
	for (uint32_t k = 0; k < m->nfrom; k++)
		m->obs.dirs[m->from[k]->slot] = (uint8_t)((m->dir & SWP_MIRROR_IN ? SW_DIR_IN : 0) |
							  (m->dir & SWP_MIRROR_OUT ? SW_DIR_OUT : 0));
	m->obs.dirs[m->to->slot] = SW_DIR_DST;
	if (sw_observer_add(ms->sw, &m->obs)) {
		err = mirror_err(why, whylen, -ENOSPC,
				 "mirror add %s: the switch watches frames for %u captures and mirrors already", name,
				 SW_OBSERVERS_MAX);
		goto fail;
	}
	ms->m[ms->n++] = m;
	return 0;
fail:
	free(m);
	return err;
}

int mirror_del(struct mirrors *ms, const char *name)
{
	struct mirror *m = mirror_find(ms, name);

	if (!m)
		return -ENOENT;
	mirror_unlink(ms, m);
	return 0;
}

void mirrors_fini(struct mirrors *ms)
{
	while (ms->n)
		mirror_unlink(ms, ms->m[ms->n - 1]);
}

void mirror_from_format(const struct mirror *m, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t k = 0; k < m->nfrom && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", k ? "," : "", m->from[k]->name);
}

void mirror_info(const struct mirror *m, struct swp_mirror *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", m->name);
	mirror_from_format(m, out->from, sizeof(out->from));
	out->dir = m->dir;
	swp_set_name(out->to, m->to->name);
	out->packets = m->packets;
	out->origin = m->conf ? SWP_ORIGIN_CONFIG : SWP_ORIGIN_SWITCHCTL;
}
