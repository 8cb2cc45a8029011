/* ftpsd_list: listing lines (LIST ls -l style, NLST names, MLSx facts),
 * including names that could forge reply lines. */
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"
#include "../../ftpsd/ftpsd.h"

static struct ftp_session s;

int main(void)
{
	char buf[2 * SLUICE_MAX_PATH + 256];
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = S_IFREG | 0644;
	st.st_size = 1048583;
	st.st_nlink = 1;
	st.st_uid = 1000;
	st.st_gid = 100;
	st.st_mtime = 1700000000; /* 2023-11-14 22:13:20 UTC */
	st.st_ino = 42;
	s.mlst_facts = FTP_FACTS_DEFAULT;

	size_t n = ftp_list_format(&s, FTP_LIST_LONG, "file.bin", &st, buf, sizeof buf);
	ok(n > 0 && !strncmp(buf, "-rw-r--r--", 10), "LIST mode string");
	ok(strstr(buf, " 1048583 Nov 14  2023 file.bin\r\n") != NULL,
	   "LIST size, old date with year, name, CRLF");
	n = ftp_list_format(&s, FTP_LIST_NAMES, "file.bin", &st, buf, sizeof buf);
	is_str(buf, "file.bin\r\n", "NLST line");
	is_int(n, 10, "NLST length");
	n = ftp_list_format(&s, FTP_LIST_LONG, "evil\r\n226 forged", &st, buf, sizeof buf);
	is_int(n, 0, "name with CR LF left out of LIST");
	n = ftp_list_facts(&s, "bad\nname", &st, 0, buf, sizeof buf);
	is_int(n, 0, "name with LF left out of MLSD");
	n = ftp_list_facts(&s, "file.bin", &st, 0, buf, sizeof buf);
	ok(n > 0 && !strncmp(buf, "type=file;size=1048583;modify=20231114221320;perm=adfrw;", 56),
	   "MLSD facts");
	ok(strstr(buf, "UNIX.mode=0644;UNIX.owner=1000;UNIX.group=100; file.bin\r\n") != NULL,
	   "MLSD UNIX facts and name");
	s.cf[FC_READ_ONLY].num = 1;
	st.st_mode = S_IFDIR | 0755;
	n = ftp_list_facts(&s, ".", &st, 1, buf, sizeof buf);
	ok(n > 0 && !strncmp(buf, "type=cdir;modify=", 17) && strstr(buf, "perm=el;"),
	   "cdir, no size, read-only perms");
	s.mlst_facts = FTP_FACT_TYPE | FTP_FACT_SIZE;
	st.st_mode = S_IFREG | 0600;
	n = ftp_list_facts(&s, "x", &st, 0, buf, sizeof buf);
	is_str(buf, "type=file;size=1048583; x\r\n", "only the chosen facts");
	n = ftp_list_facts(&s, "x", &st, 0, buf, 10);
	is_int(n, 0, "too small a buffer gives nothing");
	st.st_mode = S_IFLNK | 0777;
	s.mlst_facts = FTP_FACTS_DEFAULT;
	n = ftp_list_format(&s, FTP_LIST_LONG, "link", &st, buf, sizeof buf);
	ok(n > 0 && buf[0] == 'l', "symlink in LIST");
	return tap_done();
}
