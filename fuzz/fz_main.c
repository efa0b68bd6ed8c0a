/*
 * Replay without libFuzzer: runs LLVMFuzzerTestOneInput once per file named
 * on the command line, descending into directories (sorted, so runs repeat).
 * This is how ctest replays the corpus and the crashers with any compiler,
 * in the normal and the sanitizer builds. Files ending in .md and dotfiles
 * are skipped, so a directory can carry its README.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fz.h"

static size_t fz_ran;

static int fz_skip(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n >= 3 && !strcmp(name + n - 3, ".md"));
}

static int fz_run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!fp) {
		perror(path);
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) < 0 || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) < 0) {
		perror(path);
		fclose(fp);
		return -1;
	}
	/* Exactly the file's size, so ASan sees any read past the input's end. */
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	printf("replay %s (%ld bytes)\n", path, len);
	fflush(stdout);
	fz_current = path;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	fz_current = NULL;
	free(buf);
	fz_ran++;
	return 0;
}

static int fz_run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, err = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return fz_run_file(path);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (!err && !fz_skip(names[i]->d_name)) {
			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
			err = fz_run_path(sub);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (fz_run_path(argv[i]) < 0)
			return 1;
	if (!fz_ran) {
		fprintf(stderr, "%s: no input replayed\n", argv[0]);
		return 1;
	}
	printf("%s: %zu inputs replayed, every invariant held\n", argv[0], fz_ran);
	return 0;
}
