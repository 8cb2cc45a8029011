/* base: exit codes and limits shared by every sluice program. */
#ifndef SLUICE_BASE_H
#define SLUICE_BASE_H

#include <stddef.h>

/* Exit codes, skarnet style. */
enum {
	EXIT_OK = 0,
	EXIT_PEER = 1,	   /* the peer's fault: protocol error, auth failure, timeout */
	EXIT_USAGE = 100,  /* usage or configuration error */
	EXIT_BUG = 101,	   /* internal bug */
	EXIT_SYSTEM = 111, /* system failure */
};

#define SLUICE_MAX_USERNAME 64
#define SLUICE_MAX_PASSWORD 1024
#define SLUICE_VERSION "0.1" /* in the SSH version line and SFTP vendor-id */
#define SLUICE_MAX_PATH 4096

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
