<?php
// LAB STAND-IN: a built Shopware project has Composer's autoloader here; the stand-in needs none.
