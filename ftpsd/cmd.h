/* cmd: command handlers, one per FTP command, called by the dispatcher
 * after it has checked the policy in the command table. */
#ifndef FTPSD_CMD_H
#define FTPSD_CMD_H

#include "ftpsd.h"

#define FTP_CMD(name) void ftp_cmd_##name(struct ftp_session *s, const char *arg)
FTP_CMD(abor);
FTP_CMD(allo);
FTP_CMD(appe);
FTP_CMD(auth);
FTP_CMD(ccc);
FTP_CMD(cdup);
FTP_CMD(cwd);
FTP_CMD(dele);
FTP_CMD(eprt);
FTP_CMD(epsv);
FTP_CMD(help);
FTP_CMD(host);
FTP_CMD(list);
FTP_CMD(mdtm);
FTP_CMD(mfmt);
FTP_CMD(mkd);
FTP_CMD(mlsd);
FTP_CMD(mlst);
FTP_CMD(mode);
FTP_CMD(nlst);
FTP_CMD(noop);
FTP_CMD(opts);
FTP_CMD(pass);
FTP_CMD(pasv);
FTP_CMD(pbsz);
FTP_CMD(port);
FTP_CMD(prot);
FTP_CMD(pwd);
FTP_CMD(quit);
FTP_CMD(rein);
FTP_CMD(rest);
FTP_CMD(retr);
FTP_CMD(rmd);
FTP_CMD(rnfr);
FTP_CMD(rnto);
FTP_CMD(site);
FTP_CMD(size);
FTP_CMD(stat);
FTP_CMD(stor);
FTP_CMD(stou);
FTP_CMD(stru);
FTP_CMD(syst);
FTP_CMD(type);
FTP_CMD(user);
#undef FTP_CMD

void ftp_cmd_stat_path(struct ftp_session *s, const char *arg);
const char *ftp_tls_version(struct ftp_session *s);

#endif
