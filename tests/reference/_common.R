# Shared by the reference scripts: the bfi data, its keys, and a JSON writer in base R (the CI machine installs
# only r-base-core, r-cran-psych and r-cran-gparotation, so jsonlite is not assumed).

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})

script_path <- function() {
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg) != 1) stop("run this script with Rscript")
  normalizePath(sub("^--file=", "", arg))
}

REFERENCE_DIR <- dirname(script_path())
DATA_FILE <- "tests/data/psych_bfi.csv"
DATA_PATH <- file.path(REFERENCE_DIR, "..", "data", "psych_bfi.csv")

# psych's bfi.keys (tests/data/README.md); a leading minus marks a reverse-keyed item, scored 7 - x.
BFI_KEYS <- list(
  A = c("-A1", "A2", "A3", "A4", "A5"),
  C = c("C1", "C2", "C3", "-C4", "-C5"),
  E = c("-E1", "-E2", "E3", "E4", "E5"),
  N = c("N1", "N2", "N3", "N4", "N5"),
  O = c("O1", "-O2", "O3", "O4", "-O5")
)
BFI_ITEMS <- unlist(lapply(names(BFI_KEYS), function(s) paste0(s, 1:5)))

read_bfi <- function() read.csv(DATA_PATH)

# The five items of one scale after reverse keying, respondents with a missing item dropped (listwise).
keyed_scale <- function(bfi, keys) {
  items <- sub("^-", "", keys)
  x <- bfi[, items]
  reverse <- startsWith(keys, "-")
  x[, reverse] <- 7 - x[, reverse]
  na.omit(x)
}

# The header every reference file starts with: what made it, with which R and packages, from which data.
provenance <- function(script) {
  list(
    generated_by = paste0("Rscript tests/reference/", script),
    r_version = R.version.string,
    packages = list(
      psych = as.character(packageVersion("psych")),
      GPArotation = as.character(packageVersion("GPArotation"))
    ),
    data = list(file = DATA_FILE, md5 = unname(tools::md5sum(DATA_PATH)))
  )
}

# A matrix as {"rows": [...], "columns": [...], "data": [[row 1], [row 2], ...]}.
matrix_json <- function(m) {
  m <- as.matrix(m)
  list(rows = rownames(m), columns = colnames(m), data = lapply(seq_len(nrow(m)), function(i) unname(m[i, ])))
}

.json_scalar <- function(x) {
  if (is.na(x)) return("null")
  if (is.logical(x)) return(if (x) "true" else "false")
  if (is.numeric(x)) {
    if (!is.finite(x)) return("null")
    return(sprintf("%.17g", x))
  }
  s <- gsub("\\\\", "\\\\\\\\", as.character(x))
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}

# Named lists become objects (one key a line), other lists and vectors of length != 1 arrays; numbers are written
# with 17 significant digits, so that reading them back gives the same double.
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x) && !is.null(names(x))) {
    if (length(x) == 0) return("{}")
    parts <- vapply(names(x), function(k) paste0(inner, .json_scalar(k), ": ", to_json(x[[k]], inner)), "")
    return(paste0("{\n", paste(parts, collapse = ",\n"), "\n", indent, "}"))
  }
  if (is.list(x)) {
    if (length(x) == 0) return("[]")
    parts <- vapply(x, function(v) paste0(inner, to_json(v, inner)), "")
    return(paste0("[\n", paste(parts, collapse = ",\n"), "\n", indent, "]"))
  }
  if (length(x) == 1 && is.null(names(x))) return(.json_scalar(x))
  paste0("[", paste(vapply(unname(x), .json_scalar, ""), collapse = ", "), "]")
}

# Write `x` as <out dir>/<name>; the out dir is the first argument (default: this folder).
write_reference <- function(x, name) {
  args <- commandArgs(trailingOnly = TRUE)
  out_dir <- if (length(args) >= 1) args[1] else REFERENCE_DIR
  path <- file.path(out_dir, name)
  writeLines(to_json(x), path, useBytes = TRUE)
  message("wrote ", path)
}
