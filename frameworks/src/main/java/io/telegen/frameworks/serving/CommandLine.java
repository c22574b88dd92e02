package io.telegen.frameworks.serving;

import java.util.List;

/**
 * A process's arguments, as {@code /proc/<pid>/cmdline} lists them, with the flag readings the
 * serving profiles share: {@code --name value} and {@code --name=value}, the last occurrence
 * winning as in argparse.
 *
 * @param argv the arguments, the program first
 */
public record CommandLine(List<String> argv) {

  public CommandLine {
    argv = List.copyOf(argv);
  }

  /** The value of {@code name}, or null when it is not given. */
  public String flag(String name) {
    String value = null;
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (arg.equals(name) && i + 1 < argv.size()) {
        value = argv.get(i + 1);
      } else if (arg.startsWith(name + "=")) {
        value = arg.substring(name.length() + 1);
      }
    }
    return value;
  }

  /** The value of the first of {@code names} that is given, or null. */
  public String firstFlag(List<String> names) {
    for (String name : names) {
      String value = flag(name);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /** The value of the first of {@code names} that is given, or null. */
  public String firstFlag(String... names) {
    return firstFlag(List.of(names));
  }

  /** Whether {@code arg} is one of the arguments, e.g. a switch such as {@code --metrics}. */
  public boolean has(String arg) {
    return argv.contains(arg);
  }

  /** The first argument after {@code word} that is not an option, or null. */
  public String positionalAfter(String word) {
    int at = argv.indexOf(word);
    if (at >= 0 && at + 1 < argv.size() && !argv.get(at + 1).startsWith("-")) {
      return argv.get(at + 1);
    }
    return null;
  }

  /** The first of {@code values} that is neither null nor blank, or null. */
  public static String firstNonBlank(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  /** The last path element of {@code arg}: {@code /usr/bin/tritonserver} gives tritonserver. */
  public static String basename(String arg) {
    int slash = arg.lastIndexOf('/');
    return slash < 0 ? arg : arg.substring(slash + 1);
  }
}
