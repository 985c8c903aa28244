/* checkin_assets.c - web/checkin/ built into the binary (the assembler's
 * .incbin, run from the top of the tree; the Makefile lists the files as
 * prerequisites of this object).  Each asset is followed by a NUL. */
#include "checkin_assets.h"

#define ASSET(sym, file)                                                       \
	__asm__(".section .rodata\n"                                           \
	        ".global " #sym "\n"                                           \
	        ".type " #sym ", @object\n"                                    \
	        ".balign 16\n" #sym ":\n"                                      \
	        ".incbin \"" file "\"\n"                                       \
	        ".global " #sym "_end\n" #sym "_end:\n"                        \
	        ".byte 0\n"                                                    \
	        ".previous\n")

ASSET(cv_checkin_html, "web/checkin/checkin.html");
ASSET(cv_checkin_js, "web/checkin/checkin.js");
ASSET(cv_checkin_css, "web/checkin/checkin.css");
