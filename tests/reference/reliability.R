# Reference reliability values from R psych on the bfi data (tests/data/psych_bfi.csv): per keyed scale α and
# G6(smc) (psych::alpha), one-factor ω (psych::omega and psych::fa), split-half (psych::splitHalf and the odd-even
# split), and ICC (psych::ICC) on a small hand example and on the neuroticism items of 300 respondents.
#
#   Rscript tests/reference/reliability.R [OUT_DIR]     (default OUT_DIR: tests/reference)

here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "_common.R"))

bfi <- read_bfi()

scale_reference <- function(keys) {
  x <- keyed_scale(bfi, keys)
  a <- alpha(x, check.keys = FALSE, warnings = FALSE)$total
  om <- suppressWarnings(suppressMessages(omega(x, nfactors = 1, plot = FALSE)))
  f1 <- fa(x, nfactors = 1, fm = "minres", rotate = "none")
  lam <- as.vector(f1$loadings)
  sh <- splitHalf(x, check.keys = FALSE)
  odd <- seq(1, ncol(x), by = 2)
  r_halves <- cor(rowSums(x[, odd]), rowSums(x[, -odd]))
  list(
    keys = keys,
    n = nrow(x),
    alpha = list(
      call = "psych::alpha(x, check.keys = FALSE)$total",
      raw_alpha = a$raw_alpha,
      std_alpha = a$std.alpha,
      G6_smc = a[["G6(smc)"]],
      average_r = a$average_r
    ),
    omega = list(
      call = "psych::omega(x, nfactors = 1)$omega.tot, = 1 - sum(u2) / sum(cor(x))",
      omega_tot = om$omega.tot
    ),
    one_factor = list(
      call = "psych::fa(x, nfactors = 1, fm = \"minres\", rotate = \"none\")",
      loadings = lam,
      omega_from_loadings = sum(lam)^2 / (sum(lam)^2 + sum(1 - lam^2))
    ),
    split_half = list(
      call = "psych::splitHalf(x, check.keys = FALSE)",
      max = sh$maxrb,
      min = sh$minrb,
      mean = sh$meanr,
      odd_even_call = "base R: r = cor(rowSums(x[, c(1, 3, 5)]), rowSums(x[, c(2, 4)])); 2 r / (1 + r)",
      odd_even = 2 * r_halves / (1 + r_halves)
    )
  )
}

icc_reference <- function(wide) {
  res <- ICC(wide, lmer = FALSE)$results
  out <- lapply(seq_len(nrow(res)), function(i) {
    list(icc = res$ICC[i], f = res$F[i], df1 = res$df1[i], df2 = res$df2[i], p = res$p[i],
         lower = res[["lower bound"]][i], upper = res[["upper bound"]][i])
  })
  names(out) <- as.character(res$type)
  out
}

# Five targets rated twice (tests/stats/test_reliability.py::icc_example).
example <- data.frame(session_1 = c(3.0, 4.0, 2.5, 5.0, 3.5), session_2 = c(3.5, 4.0, 2.0, 4.5, 3.5),
                      row.names = paste0("person_", 1:5))
# The first 300 complete respondents: ICC(lmer = FALSE) fits aov() with one dummy per respondent, minutes for all.
neuroticism <- head(na.omit(bfi[, paste0("N", 1:5)]), 300)

reference <- c(
  provenance("reliability.R"),
  list(
    scales = lapply(BFI_KEYS, scale_reference),
    icc = list(
      call = "psych::ICC(x, lmer = FALSE)$results (types ICC1 ICC2 ICC3 ICC1k ICC2k ICC3k = Shrout-Fleiss (1,1) (2,1) (3,1) (1,k) (2,k) (3,k); alpha .05)",
      example = list(ratings = matrix_json(example), results = icc_reference(example)),
      bfi_neuroticism = list(
        items = colnames(neuroticism),
        note = "items N1-N5 as raters of the first 300 respondents (file order) who answered all five; raw items",
        n = nrow(neuroticism),
        results = icc_reference(neuroticism)
      )
    )
  )
)
write_reference(reference, "reliability.json")
