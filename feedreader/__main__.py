from feedreader.cli import main

raise SystemExit(main())
