/**
 * How every server here runs: {@link dev.grpcpair.common.server.GrpcServer} (health, reflection,
 * the interceptor chain, graceful stop), {@link dev.grpcpair.common.server.ServerMain} (the {@code
 * main} both jars share: flags, start, SIGTERM, exit codes), the flags every server takes ({@link
 * dev.grpcpair.common.server.ServerFlags}), and {@link
 * dev.grpcpair.common.server.RecoveryInterceptor}, the one place a failure becomes a status.
 * Nothing here knows about users or posts.
 */
package dev.grpcpair.common.server;
