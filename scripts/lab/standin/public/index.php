<?php
/*
 * LAB STAND-IN FOR SHOPWARE — not Shopware. Shopware's Composer packages cannot be fetched in
 * the lab, so `lab up` deploys this file at Shopware's paths (/var/www/shop/current/public).
 * It reads the same .env.local the blueprint renders and uses it the way Shopware does:
 *   GET  /api/_info/health-check   200, empty body (what the load balancer checks)
 *   POST /lab/write?token=T        insert a row on the primary (DATABASE_URL); JSON
 *   GET  /lab/read?token=T         read it on the replica (DATABASE_REPLICA_0_URL); JSON
 *   GET  /lab/session              a counter in the Redis session (REDIS_SESSION_URL); JSON
 *   GET  /lab/ini?name=N           PHP-FPM's effective ini value N (day-2 PHP settings); JSON
 *   GET  /  and  /lab/page/N       a storefront page (HTML) naming the release that served it
 *   GET  /sitemap.xml              a sitemap of those pages, as the deploy's cache warm-up reads it
 * Every answer names the node that served it (X-Shop-Node) and the release (X-Shop-Release).
 * A release built with a `lab-broken` file at its root fails its health check (500): the lab's
 * "broken release" deploy.
 */
declare(strict_types=1);

header('X-Shop-Node: ' . gethostname());
header('X-Shop-Stand-In: lab');
$release_root = dirname(__DIR__);
header('X-Shop-Release: ' . basename((string)realpath($release_root)));

/** KEY=value lines of the release's .env.local (no quoting: the blueprint writes none). */
function env_local(): array
{
    $vars = [];
    foreach (file(__DIR__ . '/../.env.local', FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
        if ($line[0] === '#' || !str_contains($line, '=')) {
            continue;
        }
        [$key, $value] = explode('=', $line, 2);
        $vars[trim($key)] = trim($value);
    }
    return $vars;
}

/** A PDO connection from a mysql:// DSN as Shopware's DATABASE_URL writes it. */
function db(string $url): PDO
{
    $p = parse_url($url);
    $dsn = sprintf('mysql:host=%s;port=%d;dbname=%s;charset=utf8mb4', $p['host'], $p['port'] ?? 3306, ltrim($p['path'], '/'));
    return new PDO($dsn, urldecode($p['user']), urldecode($p['pass'] ?? ''), [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_TIMEOUT => 3]);
}

function reply(int $status, array $body): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body + ['node' => gethostname(), 'standIn' => true]), "\n";
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$env = env_local();
$token = (string)($_GET['token'] ?? '');

try {
    switch ($path) {
        case '/api/_info/health-check':
            http_response_code(is_file("$release_root/lab-broken") ? 500 : 200);
            break;
        case '/':
            header('Content-Type: text/html; charset=utf-8');
            echo '<!doctype html><title>Lab stand-in storefront</title><p>release ', htmlspecialchars(basename((string)realpath($release_root))), "</p>\n";
            break;
        case '/sitemap.xml':
            header('Content-Type: application/xml');
            $base = (isset($env['APP_URL']) ? rtrim($env['APP_URL'], '/') : '');
            echo '<?xml version="1.0" encoding="UTF-8"?>', "\n", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">';
            for ($i = 1; $i <= 20; $i++) {
                echo '<url><loc>', htmlspecialchars("$base/lab/page/$i"), '</loc></url>';
            }
            echo "</urlset>\n";
            break;
        case '/lab/write':
            if (!preg_match('/^[A-Za-z0-9-]{1,64}$/', $token)) {
                reply(400, ['error' => 'token: 1-64 letters, digits or -']);
                break;
            }
            $primary = db($env['DATABASE_URL']);
            $primary->exec('CREATE TABLE IF NOT EXISTS lab_standin (id INT AUTO_INCREMENT PRIMARY KEY, token VARCHAR(64) NOT NULL, node VARCHAR(64) NOT NULL, written_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY (token))');
            $insert = $primary->prepare('INSERT INTO lab_standin (token, node) VALUES (?, ?)');
            $insert->execute([$token, gethostname()]);
            reply(200, ['wrote' => $token, 'id' => (int)$primary->lastInsertId(), 'server' => $primary->query('SELECT @@hostname')->fetchColumn()]);
            break;
        case '/lab/read':
            $replica = db($env['DATABASE_REPLICA_0_URL']);
            $select = $replica->prepare('SELECT COUNT(*) FROM lab_standin WHERE token = ?');
            $select->execute([$token]);
            reply(200, ['token' => $token, 'found' => (int)$select->fetchColumn(), 'server' => $replica->query('SELECT @@hostname')->fetchColumn()]);
            break;
        case '/lab/session':
            $r = parse_url($env['REDIS_SESSION_URL']);
            $auth = isset($r['pass']) ? $r['pass'] : ($r['user'] ?? '');
            ini_set('session.save_handler', 'redis');
            ini_set('session.save_path', sprintf('tcp://%s:%d?database=%d&auth=%s', $r['host'], $r['port'] ?? 6379, (int)ltrim($r['path'] ?? '/0', '/'), urlencode($auth)));
            session_start();
            $_SESSION['count'] = ($_SESSION['count'] ?? 0) + 1;
            reply(200, ['count' => $_SESSION['count'], 'session' => session_id()]);
            break;
        case '/lab/ini':
            $name = (string)($_GET['name'] ?? '');
            reply(200, ['name' => $name, 'value' => ini_get($name)]);
            break;
        default:
            if (preg_match('#^/lab/page/[0-9]{1,4}$#', $path)) {
                header('Content-Type: text/html; charset=utf-8');
                echo '<!doctype html><title>Lab stand-in page</title><p>', htmlspecialchars($path), "</p>\n";
                break;
            }
            reply(404, ['error' => "no route $path in the lab stand-in"]);
    }
} catch (Throwable $e) {
    reply(500, ['error' => get_class($e) . ': ' . $e->getMessage()]);
}
