/* Handing back pages a confined process no longer needs. */
#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "priv/priv.h"

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
	while (fgets(line, sizeof line, f)) {
		unsigned long lo;
		if (strstr(line, "[stack]") && sscanf(line, "%lx-", &lo) == 1) stack_lo = lo;
	}
	fclose(f);
}

/* The whole pages inside [p, p + n): *lo and *hi, empty when *hi <= *lo. */
static void whole_pages(uintptr_t p, size_t n, uintptr_t *lo, uintptr_t *hi)
{
	*lo = (p + 4095) & ~(uintptr_t)4095;
	*hi = (p + n) & ~(uintptr_t)4095;
}

/* An object relocated in its text (DT_TEXTREL) has had read-only pages
 * written by the dynamic linker: none of its pages may be dropped. */
static int has_text_relocations(const struct dl_phdr_info *info)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Dyn) * d;
		if (info->dlpi_phdr[i].p_type != PT_DYNAMIC) continue;
		d = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
		for (; d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_TEXTREL ||
			    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
				return 1;
	}
	return 0;
}

static int overlaps_relro(const struct dl_phdr_info *info, uintptr_t lo, uintptr_t hi)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t r_lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_GNU_RELRO && lo < r_lo + ph->p_memsz && r_lo < hi) return 1;
	}
	return 0;
}

#define PRIV_SEGMENTS_MAX 128
struct segments {
	unsigned n;
	struct {
		uintptr_t lo, hi;
		int code;
	} at[PRIV_SEGMENTS_MAX];
};

/* dl_iterate_phdr's callback: the whole pages of each code and read-only
 * data segment of the program (no name) and of the libraries loaded from
 * files (the vDSO is the kernel's).  These segments are never written, so
 * a dropped page faults back from the page cache.  Found from the program
 * headers of what is loaded now, not from /proc: the RELRO part of the
 * data segment is mapped read-only too, but holds relocated pointers a
 * drop would lose, and a range noted earlier may since have been unloaded
 * and reused. */
static int collect_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct segments *all = arg;

	if (info->dlpi_name[0] != '\0' && info->dlpi_name[0] != '/') return 0;
	if (has_text_relocations(info)) return 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;
		whole_pages(info->dlpi_addr + ph->p_vaddr, ph->p_filesz, &lo, &hi);
		if (ph->p_type != PT_LOAD || hi <= lo) continue;
		if (ph->p_flags != PF_R && ph->p_flags != (PF_R | PF_X)) continue;
		if (overlaps_relro(info, lo, hi)) continue;
		if (all->n == PRIV_SEGMENTS_MAX) return 1;
		all->at[all->n].lo = lo;
		all->at[all->n].hi = hi;
		all->at[all->n].code = ph->p_flags == (PF_R | PF_X);
		all->n++;
	}
	return 0;
}

/* advice for every code segment, and for the read-only data too when
 * with_data.  Found first, advised after: what runs in between would
 * otherwise fault back in (64 KiB a fault) what was just dropped. */
static void advise_segments(int advice, int with_data)
{
	static struct segments all; /* static: no 3 KiB frame to probe */

	all.n = 0;
	dl_iterate_phdr(collect_segments, &all);
	for (unsigned i = 0; i < all.n; i++)
		if (all.at[i].code || with_data)
			madvise((void *)all.at[i].lo, all.at[i].hi - all.at[i].lo, advice);
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
	uintptr_t lo, hi;

	whole_pages((uintptr_t)p, n, &lo, &hi);
	if (p && hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Each first run of code in a 64 KiB stretch is a page fault; one
 * MADV_POPULATE_READ (Linux 5.14) maps all of it from the page cache in
 * one call.  On the 2-vCPU VM of README's Benchmark a fault costs 15 to
 * 40 us and mapping all 4.5 MiB of code 0.1 ms.  Refused (older kernel,
 * file not cached), the code faults in as before. */
void priv_pages_map_code(void)
{
	advise_segments(MADV_POPULATE_READ, 0);
}

void priv_pages_release(void)
{
	advise_segments(MADV_DONTNEED, 1);
	release_dead_stack();
	malloc_trim(0);
}
