package dev.grpcpair.gateway;

import com.google.api.AnnotationsProto;
import com.google.api.Http;
import com.google.api.HttpRule;
import com.google.protobuf.Message;
import dev.grpcpair.common.config.InvalidConfigException;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the gateway serves: the HTTP routes made from {@code google.api.http} rules (those in the
 * services' descriptors, and those the gateway's configuration adds for services whose protos carry
 * none), and every method of those services by its gRPC name, for gRPC-Web.
 */
final class Routes {

  /** A method the gateway calls, and the channel to its server. */
  record Served(MethodDescriptor<Message, Message> method, Channel channel) {}

  private final List<Route> routes = new ArrayList<>();
  private final Map<String, Served> served = new HashMap<>();

  /**
   * Adds {@code service}, reached through {@code channel}: a route for each method with a rule in
   * its descriptor or in {@code configured} (selected by {@code package.Service.Method}).
   */
  @SuppressWarnings("unchecked")
  Routes add(ServiceDescriptor service, Channel channel, Http configured) {
    Map<String, HttpRule> rules = new HashMap<>();
    for (HttpRule rule : configured.getRulesList()) {
      rules.put(rule.getSelector(), rule);
    }
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      MethodDescriptor<Message, Message> typed = (MethodDescriptor<Message, Message>) method;
      served.put(method.getFullMethodName(), new Served(typed, channel));
      HttpRule rule =
          ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor())
              .getMethodDescriptor()
              .getOptions()
              .getExtension(AnnotationsProto.http);
      HttpRule fromConfig = rules.remove(method.getFullMethodName().replace('/', '.'));
      if (fromConfig != null) {
        rule = fromConfig;
      }
      if (rule.getPatternCase() != HttpRule.PatternCase.PATTERN_NOT_SET) {
        routes.add(Route.of(rule, typed, channel));
      }
    }
    return this;
  }

  /**
   * Checks that each of {@code configured} names a method of a service added.
   *
   * @throws IllegalArgumentException naming the first that does not
   */
  Routes checkSelectors(Http configured) {
    for (HttpRule rule : configured.getRulesList()) {
      String selector = rule.getSelector();
      int dot = selector.lastIndexOf('.');
      String method =
          dot < 0 ? selector : selector.substring(0, dot) + "/" + selector.substring(dot + 1);
      if (!served.containsKey(method)) {
        throw new InvalidConfigException(
            "HTTP rule for \"" + selector + "\": no such method among those served");
      }
    }
    return this;
  }

  /** The route of {@code httpMethod} on {@code segments}, or null. */
  Route find(String httpMethod, List<String> segments) {
    for (Route route : routes) {
      if (route.httpMethod().equals(httpMethod) && route.path().matches(segments)) {
        return route;
      }
    }
    return null;
  }

  /** The HTTP methods that {@code segments} has routes for (a 405's {@code Allow}). */
  Set<String> allowed(List<String> segments) {
    Set<String> allowed = new LinkedHashSet<>();
    for (Route route : routes) {
      if (route.path().matches(segments)) {
        allowed.add(route.httpMethod());
      }
    }
    return allowed;
  }

  /** A method by its gRPC name ({@code v2.user.User/GetUser}), with its channel; or null. */
  Served served(String fullMethodName) {
    return served.get(fullMethodName);
  }

  List<Route> all() {
    return List.copyOf(routes);
  }
}
