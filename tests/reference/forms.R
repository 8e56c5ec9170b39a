# Reference values for the consistency-across-forms and test-retest statistics (psychometrics/stats/_forms.py and
# _retest.py), from base R and psych on the bfi data (tests/data/psych_bfi.csv). Two "forms" of each scale are
# the mean of its odd keyed items (1, 3, 5) and the mean of its even keyed items (2, 4) for the first 300
# respondents (file order) who answered all five: Pearson r with its Fisher-z interval (cor.test), the paired
# mean shift even - odd (t.test paired), and ICC(2,1) / ICC(3,1) of the two half scores (psych::ICC).
#
#   Rscript tests/reference/forms.R [OUT_DIR]     (default OUT_DIR: tests/reference)

here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "_common.R"))

bfi <- read_bfi()

forms_reference <- function(keys) {
  x <- head(keyed_scale(bfi, keys), 300)
  odd <- rowMeans(x[, c(1, 3, 5)])
  even <- rowMeans(x[, c(2, 4)])
  r <- cor.test(odd, even)
  shift <- t.test(even, odd, paired = TRUE)
  icc <- ICC(cbind(odd, even), lmer = FALSE)$results
  row <- function(type) {
    i <- which(as.character(icc$type) == type)
    list(icc = icc$ICC[i], lower = icc[["lower bound"]][i], upper = icc[["upper bound"]][i], p = icc$p[i])
  }
  list(
    keys = keys,
    n = nrow(x),
    correlation = list(call = "cor.test(odd, even)", r = unname(r$estimate), lower = r$conf.int[1],
                       upper = r$conf.int[2], p = r$p.value),
    shift = list(call = "t.test(even, odd, paired = TRUE)", diff = unname(shift$estimate),
                 lower = shift$conf.int[1], upper = shift$conf.int[2], t = unname(shift$statistic),
                 df = unname(shift$parameter), p = shift$p.value),
    icc = list(call = "psych::ICC(cbind(odd, even), lmer = FALSE)$results", ICC2 = row("ICC2"), ICC3 = row("ICC3"))
  )
}

reference <- c(
  provenance("forms.R"),
  list(scales = lapply(BFI_KEYS, forms_reference))
)
write_reference(reference, "forms.json")
