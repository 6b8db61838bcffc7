/**
 * The one configuration mechanism: picocli flags, each falling back to the environment variable of
 * the same name, parsed into config objects by {@link dev.grpcpair.common.config.Flags}, and the
 * value converters flags share. The flag sets themselves live next to the code that reads them.
 */
package dev.grpcpair.common.config;
