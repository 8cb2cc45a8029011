/* pam_sluice_test: a PAM module for tests/integration/login_pam.sh,
 * compiled there.  Its auth asks, in one conversation call, a message and
 * two questions a password prompt is not: "Code: " (echoed) and "PIN: "
 * (not echoed); it succeeds when they are 4242 and 77.  That shows
 * sftpd's keyboard-interactive relaying PAM's conversation as it is. */
#include <stdlib.h>
#include <string.h>
#include <security/pam_modules.h>

static int answered(const struct pam_response *r, const char *want)
{
	return r && r->resp && !strcmp(r->resp, want);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const struct pam_conv *conv;
	const struct pam_message info = {PAM_TEXT_INFO, "sluice test: two more questions"};
	const struct pam_message code = {PAM_PROMPT_ECHO_ON, "Code: "};
	const struct pam_message pin = {PAM_PROMPT_ECHO_OFF, "PIN: "};
	const struct pam_message *msgs[] = {&info, &code, &pin};
	struct pam_response *resp = NULL;
	int ok;

	(void)flags, (void)argc, (void)argv;
	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS || !conv)
		return PAM_SYSTEM_ERR;
	if (conv->conv(3, msgs, &resp, conv->appdata_ptr) != PAM_SUCCESS || !resp)
		return PAM_AUTH_ERR;
	ok = !resp[0].resp && answered(&resp[1], "4242") && answered(&resp[2], "77");
	for (int i = 0; i < 3; i++)
		free(resp[i].resp);
	free(resp);
	return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_SUCCESS;
}
