from psychometrics.cli import main

main()
