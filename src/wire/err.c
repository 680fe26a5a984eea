/*
 * Texts of the TA_E* codes (include/tlsaudit.h).  In the lowest layer, so
 * that every layer can name an error without reaching up.
 */
#include "tlsaudit.h"

const char *
ta_strerror(int err)
{
	switch (err) {
	case TA_OK:
		return "success";
	case TA_EDECODE:
		return "malformed data from the peer";
	case TA_ENOSPC:
		return "buffer limit reached";
	case TA_EINVAL:
		return "invalid argument";
	case TA_ENOMEM:
		return "out of memory";
	case TA_ETIMEOUT:
		return "timed out";
	case TA_ECONNECT:
		return "connection failed";
	case TA_ECLOSED:
		return "connection closed by peer";
	case TA_ERESOLVE:
		return "name does not resolve";
	case TA_EPROTO:
		return "protocol violation by peer";
	case TA_ESYS:
		return "system call failed";
	case TA_EINTR:
		return "interrupted";
	default:
		return "internal error";
	}
}
