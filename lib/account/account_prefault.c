/* account_prefault.c: yescrypt's work area faulted in at once.  libxcrypt
 * maps 16 MiB of anonymous memory for every yescrypt check and then
 * writes all of it a page at a time: some 4100 page faults per login.
 * The static build (STATIC=1) links with -Wl,--wrap=mmap, so that its
 * calls come here: a big writable private anonymous mapping is populated
 * by the kernel in one call (MADV_POPULATE_WRITE, Linux 5.14), which saves
 * the exception entry and exit of every fault (2 ms of a 26 ms FTPS login
 * here; README, Benchmark).  Where the kernel refuses, the pages fault in
 * as before.  libsodium's argon2id maps with MAP_POPULATE already and is
 * left alone, as is every other mapping and every mapping of a STATIC=0
 * build.  Transparent huge pages (MADV_HUGEPAGE) saved 5 ms in the median
 * but made one check in four 2 to 5 times slower on this VM, so no. */
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define PREFAULT_FROM ((size_t)8 << 20)

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *at = __real_mmap(addr, len, prot, flags, fd, off);

	if (at != MAP_FAILED && fd == -1 && len >= PREFAULT_FROM && (prot & PROT_WRITE) &&
	    (flags & ~MAP_NORESERVE) == (MAP_PRIVATE | MAP_ANONYMOUS))
		madvise(at, len, MADV_POPULATE_WRITE);
	return at;
}
