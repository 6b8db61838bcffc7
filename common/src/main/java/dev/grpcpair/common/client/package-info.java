/**
 * What clients of these servers share: the {@code static:///host:port,host:port} target scheme, a
 * fixed list of replicas for client-side load balancing without DNS. Found by grpc through {@code
 * META-INF/services}.
 */
package dev.grpcpair.common.client;
