/**
 * Who may call and how calls are protected: TLS credentials that reload rotated files ({@link
 * dev.grpcpair.common.security.ReloadingTls}), bearer tokens on the server side ({@link
 * dev.grpcpair.common.security.AuthTokens}, {@link
 * dev.grpcpair.common.security.BearerAuthInterceptor}, {@link
 * dev.grpcpair.common.security.Identity}) and on the client side ({@link
 * dev.grpcpair.common.security.BearerTokenCredentials}).
 */
package dev.grpcpair.common.security;
