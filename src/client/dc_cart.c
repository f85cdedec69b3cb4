/*
 * dc_cart.c: libcart. Build systems of DAOS applications link -lcart or
 * require the file to exist; the transport lives inside libdaos here, so
 * this library exports nothing of its own.
 */
