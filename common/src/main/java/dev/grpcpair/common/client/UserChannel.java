package dev.grpcpair.common.client;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.grpcpair.common.config.InvalidConfigException;
import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.common.security.BearerTokenCredentials;
import dev.grpcpair.common.security.ReloadingTls;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The one long-lived channel to the User service (the Post server's and the gateway's), made from
 * {@link UserChannelFlags}: TLS, the bearer token (on every call, through the channel's
 * credentials), the service config (load balancing, client-side health checking, hedging),
 * wait-for-ready, keepalive, the request-id and replica-trail interceptors, and telemetry. Its
 * owner closes it after its server has drained.
 */
public final class UserChannel implements AutoCloseable {

  static final String EMBEDDED_SERVICE_CONFIG = "/user-service-config.json";

  /**
   * {@code --user-wait-for-ready}: every call waits, within its deadline, for a reachable replica;
   * grpc's own call option, set on each call as a stub's {@code withWaitForReady()} would.
   */
  private static final ClientInterceptor WAIT_FOR_READY =
      new ClientInterceptor() {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(
            MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
          return next.newCall(method, options.withWaitForReady());
        }
      };

  // Closed after the server has stopped: every call it answered has ended, and with it (through its
  // Context) every call it made here. A stop must stay within the grace period and a second.
  private static final Duration CLOSE_WAIT = Duration.ofMillis(200);

  private final ManagedChannel channel;
  private final ReconnectPacing pacing;
  private final ReloadingTls<ChannelCredentials> tls;

  private UserChannel(
      ManagedChannel channel, ReconnectPacing pacing, ReloadingTls<ChannelCredentials> tls) {
    this.channel = channel;
    this.pacing = pacing;
    this.tls = tls;
  }

  /**
   * Opens the channel; it connects in the background and reconnects by itself, so the Post server
   * starts whether or not the User server is up.
   */
  public static UserChannel open(
      UserChannelFlags flags, Duration tlsReloadInterval, Telemetry telemetry) {
    return open(flags, tlsReloadInterval, telemetry, Grpc::newChannelBuilder);
  }

  /**
   * Opens the channel on a builder of {@code transport}'s (a target and credentials to a builder):
   * the Post server's and the gateway's run their connections on their own event loops. An
   * interceptor the builder has already is the innermost: the Post server's {@link CancelRelay}.
   */
  public static UserChannel open(
      UserChannelFlags flags,
      Duration tlsReloadInterval,
      Telemetry telemetry,
      BiFunction<String, ChannelCredentials, ManagedChannelBuilder<?>> transport) {
    ChannelStatusLog.install();
    String token = flags.token();
    Map<String, ?> serviceConfig = serviceConfig(flags);
    ReloadingTls<ChannelCredentials> tls =
        flags.usesTls()
            ? ReloadingTls.forChannel(flags.ca, flags.cert, flags.key, tlsReloadInterval)
            : null;
    ReconnectPacing pacing = new ReconnectPacing();
    try {
      ManagedChannel channel =
          build(flags, token, serviceConfig, tls, telemetry, transport, pacing);
      pacing.pace(channel);
      return new UserChannel(channel, pacing, tls);
    } catch (RuntimeException e) {
      pacing.close();
      if (tls != null) {
        tls.close();
      }
      if (e instanceof IllegalArgumentException && !(e instanceof InvalidConfigException)) {
        // grpc's word on a target or authority it cannot use ("Expected authority ...").
        throw new InvalidConfigException(
            "--user-target " + flags.target + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private static ManagedChannel build(
      UserChannelFlags flags,
      String token,
      Map<String, ?> serviceConfig,
      ReloadingTls<ChannelCredentials> tls,
      Telemetry telemetry,
      BiFunction<String, ChannelCredentials, ManagedChannelBuilder<?>> transport,
      ReconnectPacing pacing) {
    ChannelCredentials credentials =
        tls == null ? InsecureChannelCredentials.create() : tls.credentials();
    if (token != null) {
      credentials =
          CompositeChannelCredentials.create(
              credentials, new BearerTokenCredentials(token, flags.allowInsecureToken));
    }
    ManagedChannelBuilder<?> builder =
        transport
            .apply(flags.target, credentials)
            // Balancing, health checking and hedging from our file only: a service config
            // published in DNS must not change them behind our back.
            .defaultServiceConfig(serviceConfig)
            .disableServiceConfigLookUp()
            .enableRetry()
            .keepAliveTime(flags.keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(flags.keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveWithoutCalls(flags.keepAliveWithoutCalls)
            .intercept(UserReplicaTrail.clientInterceptor(), RequestId.clientInterceptor(), pacing)
            .intercept(flags.waitForReady ? List.of(WAIT_FOR_READY) : List.of())
            // Answers are handled where they arrive: the callbacks are short and never block.
            .directExecutor();
    telemetry.configure(builder);
    if (flags.authority != null) {
      builder.overrideAuthority(flags.authority);
    }
    return builder.build();
  }

  public ManagedChannel managed() {
    return channel;
  }

  /** Lets calls in flight finish for a moment, then closes the channel ({@link #close}). */
  @Override
  public void close() {
    try {
      close(channel);
    } finally {
      pacing.close();
      if (tls != null) {
        tls.close();
      }
    }
  }

  /**
   * Lets {@code channel}'s calls in flight finish for a moment, then closes it, and returns once
   * what it had under way (a connection being made, a name being resolved) has ended, or a moment
   * more has passed. Its owner stops the event loops the channel runs on next, and a connection
   * started on a stopped loop is logged by Netty as a failure with its stack trace. The gateway
   * closes its channel to the Post service so too.
   */
  public static void close(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "UserChannel{" + channel.authority() + "}";
  }

  /**
   * The service config as grpc's {@code defaultServiceConfig} takes it: the file users give (the
   * embedded {@code user-service-config.json} by default), as it is: the one place for balancing,
   * health checking and hedging (or retries).
   */
  public static Map<String, ?> serviceConfig(UserChannelFlags flags) {
    String source =
        flags.serviceConfig == null ? EMBEDDED_SERVICE_CONFIG : flags.serviceConfig.toString();
    Map<String, Object> config;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> parsed = new Gson().fromJson(read(flags.serviceConfig), Map.class);
      config = parsed;
    } catch (JsonParseException e) {
      throw new InvalidConfigException(
          "service config " + source + " is not valid JSON: " + e.getMessage(), e);
    }
    if (config == null) {
      throw new InvalidConfigException("service config " + source + " is empty");
    }
    return config;
  }

  private static String read(Path file) {
    try {
      if (file != null) {
        return Files.readString(file, StandardCharsets.UTF_8);
      }
      try (InputStream in = UserChannel.class.getResourceAsStream(EMBEDDED_SERVICE_CONFIG)) {
        if (in == null) {
          throw new IllegalStateException(EMBEDDED_SERVICE_CONFIG + " is missing from the jar");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidConfigException("service config file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new InvalidConfigException("cannot read service config " + file + ": " + e, e);
    }
  }
}
