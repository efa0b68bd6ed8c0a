/*
 * One print path for text and JSON (after iproute2's print_uint(PRINT_ANY,
 * "vlan", "vlan %hu ", vid)): each call names a field's JSON key and its
 * text format. In JSON mode the key is written and the format ignored; in
 * text mode the format is printed and the key ignored. A NULL key leaves the
 * field out of JSON, a NULL format out of the text.
 */
#ifndef SWITCHCTL_WRITER_H
#define SWITCHCTL_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define WR_DEPTH 4

struct wr {
	FILE *f;
	bool json;
	int depth;
	bool more[WR_DEPTH]; /* the open object or array has a member already */
};

void wr_init(struct wr *w, FILE *f, bool json);

/* JSON only: '{' or '[', as a member named key (NULL in an array or at the top). */
void wr_obj_open(struct wr *w, const char *key);
void wr_obj_close(struct wr *w);
void wr_arr_open(struct wr *w, const char *key);
void wr_arr_close(struct wr *w);
/* JSON only: goes on with a top-level array another writer opened and wrote a member into. */
void wr_arr_resume(struct wr *w);

/* A field. fmt takes the value's printf conversion: %s, %u/%d, PRIu64. */
void wr_str(struct wr *w, const char *key, const char *fmt, const char *v);
void wr_uint(struct wr *w, const char *key, const char *fmt, uint64_t v);
void wr_int(struct wr *w, const char *key, const char *fmt, int64_t v);
/* JSON only: a number as the next element of the open array. */
void wr_elem_uint(struct wr *w, uint64_t v);
void wr_elem_str(struct wr *w, const char *v);
/* JSON true/false; the text format is printed only when v is true. */
void wr_bool(struct wr *w, const char *key, const char *fmt, bool v);
/* Text only: a literal or formatted piece (labels, separators, newlines). */
void wr_text(struct wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON only: ends a top-level value's line. */
void wr_json_line(struct wr *w);

/* JSON string with escapes; bytes that are not UTF-8 become U+FFFD. */
void json_str(FILE *f, const char *s);

#endif
