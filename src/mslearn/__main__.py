from mslearn.cli.main import main

main()
