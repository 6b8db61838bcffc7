package dev.grpcpair.common;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import sun.misc.Signal;

/**
 * What both servers' {@code main} do: parse flags (falling back to environment variables), run
 * the server until SIGTERM or Ctrl-C, and exit with a code that says how it went.
 *
 * <p>Exit codes: 0 after a graceful stop, 2 for a bad flag or environment value (one line on
 * stderr, no stack trace), 1 when the server could not start.
 */
public final class ServerLauncher {

  private static final Logger log = LoggerFactory.getLogger(ServerLauncher.class);

  private ServerLauncher() {}

  /** Parses {@code args} into {@code command} and calls it; returns the process's exit code. */
  public static int execute(Callable<Integer> command, String... args) {
    // grpc-java logs through java.util.logging; send it to the same place as ours.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    CommandLine commandLine = new CommandLine(command);
    commandLine.setParameterExceptionHandler(ServerLauncher::reportBadParameter);
    commandLine.setExecutionExceptionHandler(
        (e, cl, parseResult) -> {
          if (e instanceof ParameterException) {
            return reportBadParameter((ParameterException) e, args);
          }
          // One line for the operator; the stack trace only when asked for (debug level).
          log.error("{} could not start: {}", cl.getCommandName(), e.getMessage());
          log.debug("{} start-up failure", cl.getCommandName(), e);
          return 1;
        });
    return commandLine.execute(args);
  }

  /**
   * Blocks until the server has stopped: SIGTERM and SIGINT (Ctrl-C) start a graceful stop, after
   * which the caller returns normally and the process exits 0.
   */
  public static void serveUntilSignalled(GrpcServer server) throws InterruptedException {
    // A JVM shutdown hook alone would do the graceful stop too, but the JVM then exits with
    // 128+signal (143 for SIGTERM) whatever the hook did; handling the signals ourselves lets a
    // clean drain exit 0. The hook stays for other ways of ending the JVM (SIGHUP, System.exit).
    Runnable stopInBackground =
        () -> new Thread(() -> stopQuietly(server), "graceful-stop").start();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> stopInBackground.run());
      } catch (IllegalArgumentException e) {
        // The JVM reserves it (-Xrs, or a signal ignored at start): the shutdown hook covers it.
        log.debug("cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server), "shutdown-hook"));
    server.awaitStopped();
  }

  private static void stopQuietly(GrpcServer server) {
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int reportBadParameter(ParameterException e, String[] args) {
    CommandLine commandLine = e.getCommandLine();
    PrintWriter err = commandLine.getErr();
    String name = commandLine.getCommandName();
    err.println(name + ": " + e.getMessage());
    err.println("Try '" + name + " --help' for the options and their environment variables.");
    err.flush();
    return commandLine.getCommandSpec().exitCodeOnInvalidInput();
  }
}
