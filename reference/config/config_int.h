/* Internal helpers shared by config.c and config_parse.c (not part of the rh_cfg API). */
#ifndef RH_CFG_INT_H
#define RH_CFG_INT_H

#include "config.h"

char *rh_cfg__strdup(const char *s);
void rh_cfg__free_apps(rh_cfg_app *apps, size_t n);
void rh_cfg__free_users(rh_cfg_user *users, size_t n);

#endif
