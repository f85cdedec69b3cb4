/*
 * dc_common.c: libdaos_common. DAOS keeps daos_prop_* and daos_acl_* there;
 * here they are exported by libdaos (which every consumer links), and this
 * library exists for the build systems that name it.
 */
