# json-string.sh: JSON string literals for the in-bottle tools, sourced (not run) by them.
# POSIX sh and awk only: busybox ash/awk as well as dash, mawk and gawk in Debian images.

# Reads stdin and prints it as one JSON string literal. awk splits on newlines, so a sentinel "x"
# is appended by the caller to keep a trailing newline distinguishable; it is stripped here.
# Escapes backslash, quote and every control character (busybox awk, mawk and gawk alike).
json_string_stdin() {
  awk '
    BEGIN {
      for (i = 1; i < 32; i++) esc[sprintf("%c", i)] = sprintf("\\u%04x", i)
      esc["\t"] = "\\t"; esc["\r"] = "\\r"
      # Escaped char by char, never with gsub: awks disagree on backslashes in replacements.
      esc["\\"] = "\\\\"; esc["\""] = "\\\""
      out = ""; first = 1
    }
    {
      line = $0
      if (line ~ /[\\"\001-\037]/) {
        escaped = ""
        n = length(line)
        for (j = 1; j <= n; j++) {
          c = substr(line, j, 1)
          escaped = escaped ((c in esc) ? esc[c] : c)
        }
        line = escaped
      }
      out = first ? line : out "\\n" line
      first = 0
    }
    END {
      # Drop the sentinel "x" the caller appended after the real content.
      sub(/x$/, "", out)
      printf "\"%s\"", out
    }
  '
}

json_string() {
  { printf '%s' "$1"; printf 'x'; } | json_string_stdin
}
