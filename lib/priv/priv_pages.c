/* Handing back pages a confined process no longer needs. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "priv/priv.h"

/* The program's and libraries' code as mapped when noted: only executable
 * file mappings, which are never written (a written page of a private
 * mapping would be lost); dropped pages stay in the page cache and fault
 * back in at once when used. */
#define PRIV_CODE_MAPS_MAX 64
static struct {
	uintptr_t lo, hi;
} code_maps[PRIV_CODE_MAPS_MAX];
static unsigned n_code_maps;
/* The main stack's mapping: what lies below the deepest frame still in use
 * is what start-up (key exchange, signatures, the monitor's records) left
 * behind. */
static uintptr_t stack_lo;
#define PRIV_STACK_KEEP (8u * 1024) /* below the caller: madvise's own frames */

void priv_pages_note(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f) return;
	n_code_maps = 0;
	while (n_code_maps < PRIV_CODE_MAPS_MAX && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) continue;
		if (strstr(line, "[stack]")) stack_lo = lo;
		if (!strcmp(perms, "r-xp") && strchr(line, '/')) {
			code_maps[n_code_maps].lo = lo;
			code_maps[n_code_maps].hi = hi;
			n_code_maps++;
		}
	}
	fclose(f);
}

/* Stack pages below the caller's frame, less PRIV_STACK_KEEP, hold only
 * dead frames: they go back and fault in as zero pages if the stack grows
 * there again. */
static void release_dead_stack(void)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), top;

	if (!stack_lo || here < stack_lo + PRIV_STACK_KEEP) return;
	top = (here - PRIV_STACK_KEEP) & ~(uintptr_t)4095;
	if (top > stack_lo) madvise((void *)stack_lo, top - stack_lo, MADV_DONTNEED);
}

void priv_pages_discard(void *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)4095;
	if (p && hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Each first run of code in a 64 KiB stretch is a page fault; one
 * MADV_POPULATE_READ (Linux 5.14) maps all of it from the page cache in
 * one call.  On the 2-vCPU VM of README's Benchmark a fault costs 15 to
 * 40 us and mapping all 4.5 MiB of code 0.1 ms.  Refused (older kernel,
 * file not cached), the code faults in as before. */
void priv_pages_map_code(void)
{
	for (unsigned i = 0; i < n_code_maps; i++)
		madvise((void *)code_maps[i].lo, code_maps[i].hi - code_maps[i].lo,
			MADV_POPULATE_READ);
}

void priv_pages_release(void)
{
	for (unsigned i = 0; i < n_code_maps; i++)
		madvise((void *)code_maps[i].lo, code_maps[i].hi - code_maps[i].lo, MADV_DONTNEED);
	release_dead_stack();
	malloc_trim(0);
}
