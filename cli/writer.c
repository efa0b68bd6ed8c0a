/* The writer behind every switchctl printer: one call per field, text or JSON (writer.h). */
#include "writer.h"

#include <inttypes.h>
#include <stdarg.h>

void wr_init(struct wr *w, FILE *f, bool json)
{
	w->f = f;
	w->json = json;
	w->depth = 0;
	w->more[0] = false;
}

/* In JSON, what comes before a member: a comma after the first, and its key in an object. */
static void wr_member(struct wr *w, const char *key)
{
	if (w->more[w->depth])
		fputc(',', w->f);
	w->more[w->depth] = true;
	if (key) {
		json_str(w->f, key);
		fputc(':', w->f);
	}
}

static void wr_open(struct wr *w, const char *key, char c)
{
	if (!w->json)
		return;
	wr_member(w, key);
	fputc(c, w->f);
	if (w->depth < WR_DEPTH - 1)
		w->depth++;
	w->more[w->depth] = false;
}

static void wr_close(struct wr *w, char c)
{
	if (!w->json)
		return;
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
}

void wr_obj_open(struct wr *w, const char *key)
{
	wr_open(w, key, '{');
}

void wr_obj_close(struct wr *w)
{
	wr_close(w, '}');
}

void wr_arr_open(struct wr *w, const char *key)
{
	wr_open(w, key, '[');
}

void wr_arr_close(struct wr *w)
{
	wr_close(w, ']');
}

void wr_arr_resume(struct wr *w)
{
	if (!w->json)
		return;
	w->depth = 1;
	w->more[1] = true;
}

void wr_str(struct wr *w, const char *key, const char *fmt, const char *v)
{
	if (w->json) {
		if (key) {
			wr_member(w, key);
			json_str(w->f, v);
		}
	} else if (fmt) {
		fprintf(w->f, fmt, v);
	}
}

void wr_uint(struct wr *w, const char *key, const char *fmt, uint64_t v)
{
	if (w->json) {
		if (key) {
			wr_member(w, key);
			fprintf(w->f, "%" PRIu64, v);
		}
	} else if (fmt) {
		fprintf(w->f, fmt, v);
	}
}

void wr_elem_uint(struct wr *w, uint64_t v)
{
	if (!w->json)
		return;
	wr_member(w, NULL);
	fprintf(w->f, "%" PRIu64, v);
}

void wr_elem_str(struct wr *w, const char *v)
{
	if (!w->json)
		return;
	wr_member(w, NULL);
	json_str(w->f, v);
}

void wr_int(struct wr *w, const char *key, const char *fmt, int64_t v)
{
	if (w->json) {
		if (key) {
			wr_member(w, key);
			fprintf(w->f, "%" PRId64, v);
		}
	} else if (fmt) {
		fprintf(w->f, fmt, v);
	}
}

void wr_bool(struct wr *w, const char *key, const char *fmt, bool v)
{
	if (w->json) {
		if (key) {
			wr_member(w, key);
			fputs(v ? "true" : "false", w->f);
		}
	} else if (fmt && v) {
		fputs(fmt, w->f);
	}
}

void wr_text(struct wr *w, const char *fmt, ...)
{
	va_list ap;

	if (w->json)
		return;
	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
}

void wr_json_line(struct wr *w)
{
	if (w->json)
		fputc('\n', w->f);
}

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
